"""Accounts and territories: ~2,000 customers and prospects spread unevenly over regions and segments.

Each account belongs to one rep seat of its region and segment (the largest Enterprise accounts of
the two largest regions to a named-account seat), which makes territory potential uneven by rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from attain.demo.catalogue import INDUSTRIES, NAME_WORDS, SEGMENTS, SIZE_BANDS, USD_PER_UNIT
from attain.demo.org import Org
from attain.demo.spec import DemoSpec

ACCOUNTS_PER_SEAT = 2000 / 60
WALLET_SHARE = 0.004  # of an account's revenue that could be spent on analytics software
INSTALLED_SHARE = {"SMB": 0.12, "MM": 0.2, "ENT": 0.3}  # already customers when the history starts


@dataclass(slots=True)
class Accounts:
    """Account columns the history needs, one row per account, sorted by seat."""

    frame: pl.DataFrame  # the `account` fact frame
    seat: np.ndarray
    segment: np.ndarray  # index into SEGMENTS
    employees: np.ndarray
    currency: list[str]
    installed: np.ndarray  # bool: a customer before the history starts
    weight: np.ndarray  # how often the account buys, relative to its seat's others


def account_count(spec: DemoSpec, volume: float) -> int:
    """About 2,000 for 60 reps; accounts grow with reps and volume, so each account keeps its habits."""
    return max(round(ACCOUNTS_PER_SEAT * spec.reps * volume), 3 * spec.reps)


def build_accounts(spec: DemoSpec, org: Org, count: int, rng: np.random.Generator) -> Accounts:
    regions = org.regions
    cells = [(r, s) for r in range(len(regions)) for s in range(len(SEGMENTS))]
    share = np.array([regions[r].account_share * SEGMENTS[s].account_share for r, s in cells])
    per_cell = rng.multinomial(count, share / share.sum())
    cell = np.repeat(np.arange(len(cells)), per_cell)
    region = np.array([cells[c][0] for c in cell], dtype=np.int64)
    segment = np.array([cells[c][1] for c in cell], dtype=np.int64)
    low = np.array([SEGMENTS[s].employees[0] for s in segment], dtype=np.float64)
    high = np.array([SEGMENTS[s].employees[1] for s in segment], dtype=np.float64)
    # Log-uniform with a heavier tail at the top of Enterprise: a few giants, many mid-sized firms.
    u = rng.random(count) ** np.where(segment == 2, 1.6, 1.0)
    employees = np.floor(np.exp(np.log(low) + u * (np.log(high + 1) - np.log(low)))).astype(np.int64)
    industry = rng.choice(len(INDUSTRIES), size=count, p=_normal([i.weight for i in INDUSTRIES]))

    country_name = np.empty(count, dtype=object)
    city = np.empty(count, dtype=object)
    local = np.empty(count, dtype=object)
    for r, reg in enumerate(regions):
        members = np.flatnonzero(region == r)
        pick = rng.choice(len(reg.countries), size=len(members), p=_normal([c.weight for c in reg.countries]))
        slot = rng.random(len(members))
        for k, country in enumerate(reg.countries):
            chosen = members[pick == k]
            country_name[chosen] = country.name
            local[chosen] = country.currency
            city[chosen] = np.array(country.cities, dtype=object)[
                (slot[pick == k] * len(country.cities)).astype(np.int64)
            ]
    # Enterprise customers contract globally in US dollars; local price books serve the rest.
    currency = [str(c) if s != 2 else "USD" for c, s in zip(local, segment, strict=True)]
    per_employee = np.array([INDUSTRIES[i].revenue_per_employee for i in industry], dtype=np.float64)
    revenue_usd = employees * per_employee * np.exp(rng.normal(0.0, 0.35, count))
    rate = np.array([USD_PER_UNIT[c] for c in currency])
    revenue_minor = (np.round(revenue_usd / rate / 1000.0) * 1000 * 100).astype(np.int64)

    seat = _assign_seats(org, cell, cells, employees, rng)
    order = np.lexsort((np.arange(count), seat))
    width = max(5, len(str(count)))
    names = _names(industry, rng)
    frame = pl.DataFrame(
        {
            "external_id": [f"A{n:0{width}d}" for n in range(1, count + 1)],
            "name": [names[i] for i in order],
            "industry": [INDUSTRIES[industry[i]].name for i in order],
            "segment": [SEGMENTS[segment[i]].name for i in order],
            "size": [_size_band(int(employees[i])) for i in order],
            "country": [country_name[i] for i in order],
            "region": [regions[region[i]].name for i in order],
            "city": [city[i] for i in order],
            "employees": employees[order],
            "annual_revenue": revenue_minor[order],
            "currency": [currency[i] for i in order],
            "owner": _owners(spec, org, seat[order]),
            "founded_year": np.where(
                segment == 2,
                rng.integers(1890, 1995, size=count),
                rng.integers(1960, spec.as_of.year - 1, size=count),
            )[order],
        },
        schema_overrides={"employees": pl.Int64, "annual_revenue": pl.Int64, "founded_year": pl.Int64},
    )
    installed_p = np.array([INSTALLED_SHARE[SEGMENTS[s].key] for s in segment[order]])
    return Accounts(
        frame=frame,
        seat=seat[order],
        segment=segment[order],
        employees=employees[order],
        currency=[currency[i] for i in order],
        installed=rng.random(count) < installed_p,
        weight=np.sqrt(employees[order] / low[order]),
    )


def _normal(weights: list[float]) -> np.ndarray:
    w = np.array(weights, dtype=np.float64)
    return np.asarray(w / w.sum())


def _size_band(employees: int) -> str:
    return next(band for limit, band in SIZE_BANDS if employees < limit)


def _names(industry: np.ndarray, rng: np.random.Generator) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i in industry:
        nouns = INDUSTRIES[i].nouns
        name = f"{NAME_WORDS[rng.integers(len(NAME_WORDS))]} {nouns[rng.integers(len(nouns))]}"
        seen[name] = seen.get(name, 0) + 1
        # Real CRMs hold look-alike names; a number keeps them apart as a CRM would show them.
        out.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return out


def _assign_seats(
    org: Org, cell: np.ndarray, cells: list[tuple[int, int]], employees: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Each account's seat: named seats take their cell's largest accounts, the rest are dealt round."""
    seat = np.zeros(len(cell), dtype=np.int64)
    for c, (r, s) in enumerate(cells):
        members = np.flatnonzero(cell == c)
        seats = [x for x in org.seats if x.region is org.regions[r] and x.segment is SEGMENTS[s]]
        named = [x.index for x in seats if x.named]
        plain = [x.index for x in seats if not x.named]
        by_size = members[np.argsort(-employees[members], kind="stable")]
        take = len(members) // len(seats) if named else 0
        seat[by_size[:take]] = named[0] if named else 0
        rest = rng.permutation(by_size[take:])
        seat[rest] = np.array(plain, dtype=np.int64)[np.arange(len(rest)) % len(plain)]
    return seat


def _owners(spec: DemoSpec, org: Org, seat: np.ndarray) -> list[str]:
    """The account's rep on the as-of date; while a seat is vacant its team's manager covers it."""
    holder: dict[int, str] = {}
    for t in org.tenures:
        if t.start <= spec.as_of and (t.end is None or t.end >= spec.as_of):
            holder[t.seat] = t.person.external_id
    return [holder.get(int(s)) or org.team_manager[org.seats[int(s)].team].external_id for s in seat]


def territory_frames(spec: DemoSpec, org: Org, accounts: Accounts) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Territories (by region, by region and segment, by named-account list) and the list rows."""
    acc = accounts.frame
    wallet = (
        acc["annual_revenue"].to_numpy()
        * np.array([USD_PER_UNIT[c] for c in accounts.currency])
        * WALLET_SHARE
        / 100_000.0
    ).round() * 100_000
    territory = np.array([org.seats[int(s)].territory for s in accounts.seat])
    rows: list[dict[str, object]] = []
    for region in org.regions:
        in_region = (acc["region"] == region.name).to_numpy()
        rows.append(
            {
                "external_id": f"TER-{region.key}",
                "name": f"{region.name}",
                "parent": None,
                "region": region.name,
                "segment": None,
                "potential": int(wallet[in_region].sum()),
            }
        )
        for segment in SEGMENTS:
            key = f"TER-{region.key}-{segment.key}"
            rows.append(
                {
                    "external_id": key,
                    "name": f"{region.name} {segment.name}",
                    "parent": f"TER-{region.key}",
                    "region": region.name,
                    "segment": segment.name,
                    "potential": int(wallet[territory == key].sum()),
                }
            )
        named = f"TER-{region.key}-NAMED"
        if (territory == named).any():
            rows.append(
                {
                    "external_id": named,
                    "name": f"{region.name} Strategic Accounts",
                    "parent": f"TER-{region.key}",
                    "region": None,
                    "segment": None,
                    "potential": int(wallet[territory == named].sum()),
                }
            )
    territories = pl.DataFrame(
        rows,
        schema={
            "external_id": pl.Utf8,
            "name": pl.Utf8,
            "parent": pl.Utf8,
            "region": pl.Utf8,
            "segment": pl.Utf8,
            "potential": pl.Int64,
        },
    ).with_columns(currency=pl.lit("USD"))
    listed = np.flatnonzero(np.char.endswith(territory.astype(str), "-NAMED"))
    members = pl.DataFrame(
        {
            "territory": territory[listed].tolist(),
            "account": acc["external_id"].gather(listed).to_list(),
            "valid_from": [spec.history_start] * len(listed),
            "valid_to": [None] * len(listed),
        },
        schema={"territory": pl.Utf8, "account": pl.Utf8, "valid_from": pl.Date, "valid_to": pl.Date},
    )
    return territories, members
