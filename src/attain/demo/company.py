"""The demo company as one import Batch: the organisation as frames, the history as a stream of chunks.

`demo_batch(spec)` is the generator's entry point. With `spec.orders` set, a pilot run at the natural
volume measures how many order lines it gives, and the volume is scaled to reach the target.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import polars as pl

from attain.app.imports.batch import Batch, Chunk
from attain.demo.accounts import Accounts, account_count, build_accounts, territory_frames
from attain.demo.catalogue import EMAIL_DOMAIN, MAIN_CURRENCY, PRODUCTS, REGIONS, SEGMENTS
from attain.demo.deals import WON, People, Seating
from attain.demo.finance import cost_frame, exchange_rate_frame
from attain.demo.frames import Numbering, history_frames
from attain.demo.history import Context, history_chunks
from attain.demo.lines import CURRENCIES, AccountTraits
from attain.demo.org import Org, build_org
from attain.demo.quotas import Quarters, bookings, quota_frame
from attain.demo.spec import DemoSpec

SOURCE = "demo"
# Independent random streams: changing how one part is drawn leaves the others as they were
# (the history's stream is attain.demo.history.HISTORY_STREAM).
ORG_STREAM, ACCOUNT_STREAM, FINANCE_STREAM = 1, 2, 4


def build_context(spec: DemoSpec, volume: float) -> Context:
    org = build_org(spec, np.random.default_rng([spec.seed, ORG_STREAM]))
    accounts = build_accounts(
        spec, org, account_count(spec, volume), np.random.default_rng([spec.seed, ACCOUNT_STREAM])
    )
    return Context(
        spec,
        org,
        accounts,
        People.of(org),
        Seating.of(spec, org, accounts.seat, accounts.weight),
        _traits(org, accounts),
        volume,
    )


def _traits(org: Org, accounts: Accounts) -> AccountTraits:
    low = np.array([s.employees[0] for s in SEGMENTS], dtype=np.float64)[accounts.segment]
    high = np.array([s.employees[1] for s in SEGMENTS], dtype=np.float64)[accounts.segment]
    size = np.clip((np.log(accounts.employees) - np.log(low)) / (np.log(high + 1) - np.log(low)), 0.0, 0.999)
    pct = {r.name: round(r.deal_size * 100) for r in REGIONS}
    return AccountTraits(
        segment=accounts.segment,
        currency=np.array([CURRENCIES.index(c) for c in accounts.currency], dtype=np.int64),
        size=size,
        region_pct=np.array([pct[r] for r in accounts.frame["region"]], dtype=np.int64),
    )


# The pilot runs at about PILOT_LINES order lines (and at least 4x natural), so that a few large
# accounts do not skew the measure: the result lands about 1% from the target for any number of reps.
PILOT_LINES = 60_000
NATURAL_LINES_PER_REP = 80  # roughly, to size the pilot; the pilot itself measures the real figure


def natural_volume_lines(spec: DemoSpec) -> float:
    """Order lines (sales, cancellations and returns) at the natural volume, measured by a pilot run."""
    pilot = max(4.0, PILOT_LINES / (NATURAL_LINES_PER_REP * spec.reps))
    ctx = build_context(spec, pilot)
    lines = 0
    for h in history_chunks(ctx):
        lines += int((h.deals.status[h.lines.owner] == WON).sum()) + len(h.credits.line)
    return lines / pilot


def volume_for(spec: DemoSpec) -> float:
    """The volume factor that gives about `spec.orders` order lines.

    Deal rates and accounts both scale with the volume, so every account keeps its buying habits
    and the number of lines grows in proportion.
    """
    if spec.orders is None:
        return 1.0
    return spec.orders / max(natural_volume_lines(spec), 1.0)


def demo_batch(spec: DemoSpec) -> Batch:
    ctx = build_context(spec, volume_for(spec))
    batch = Batch(source=SOURCE)
    for name, frame in organisation_frames(ctx):
        batch.add(name, frame)
    batch.add_stream(history_stream(ctx))
    return batch


def demo_frames(spec: DemoSpec) -> dict[str, pl.DataFrame]:
    """Every frame of the demo batch, the streamed history concatenated (for tests, exports, benchmarks)."""
    batch = demo_batch(spec)
    parts: dict[str, list[pl.DataFrame]] = {name: [frame] for name, frame in batch.frames}
    for stream in batch.streams:
        for chunk in stream:
            parts.setdefault(chunk.entity, []).append(chunk.frame)
    return {name: pl.concat(frames) for name, frames in parts.items()}


def organisation_frames(ctx: Context) -> list[tuple[str, pl.DataFrame]]:
    spec, org = ctx.spec, ctx.org
    territories, listed = territory_frames(spec, org, ctx.accounts)
    return [
        ("person", _people_frame(org)),
        (
            "team",
            pl.DataFrame(
                {
                    "external_id": [t.external_id for t in org.teams],
                    "name": [t.name for t in org.teams],
                    "parent": [t.parent for t in org.teams],
                    "region": [t.region.name if t.region else None for t in org.teams],
                },
                schema={"external_id": pl.Utf8, "name": pl.Utf8, "parent": pl.Utf8, "region": pl.Utf8},
            ),
        ),
        ("territory", territories),
        ("account", ctx.accounts.frame),
        ("territory_account", listed),
        ("assignment", _assignment_frame(org)),
        (
            "product",
            pl.DataFrame(
                {
                    "external_id": [p.key for p in PRODUCTS],
                    "name": [p.name for p in PRODUCTS],
                    "family": [p.family for p in PRODUCTS],
                    "list_price": [p.list_price * 100 for p in PRODUCTS],
                    "currency": [MAIN_CURRENCY] * len(PRODUCTS),
                },
                schema_overrides={"list_price": pl.Int64},
            ),
        ),
        ("cost", cost_frame(spec, org, np.random.default_rng([spec.seed, FINANCE_STREAM, 1]))),
        ("exchange_rate", exchange_rate_frame(spec, np.random.default_rng([spec.seed, FINANCE_STREAM, 2]))),
    ]


def history_stream(ctx: Context) -> Iterator[Chunk]:
    """Deals, stage histories and orders chunk by chunk, then the quotas calibrated on them."""
    numbering = Numbering()
    quarters = Quarters.of(ctx)
    booked = np.zeros((len(SEGMENTS), len(quarters.keys)), dtype=np.int64)
    for history in history_chunks(ctx):
        booked += bookings(ctx, history, quarters)
        for name, frame in history_frames(ctx, history, numbering):
            yield Chunk(name, frame)
    yield Chunk("goal", quota_frame(ctx, booked))


def _people_frame(org: Org) -> pl.DataFrame:
    titles = {id(leader.person): leader.title for leader in org.leaders}
    for t in sorted(org.tenures, key=lambda t: t.start):
        titles[id(t.person)] = org.seats[t.seat].title
    people = org.people
    return pl.DataFrame(
        {
            "external_id": [p.external_id for p in people],
            "name": [p.name for p in people],
            "email": [_email(p.name) for p in people],
            "title": [titles[id(p)] for p in people],
            "hired_on": [p.hired_on for p in people],
            "left_on": [p.left_on for p in people],
        },
        schema={
            "external_id": pl.Utf8,
            "name": pl.Utf8,
            "email": pl.Utf8,
            "title": pl.Utf8,
            "hired_on": pl.Date,
            "left_on": pl.Date,
        },
    )


def _email(name: str) -> str:
    return ".".join(part.lower() for part in name.replace("-", " ").split()) + "@" + EMAIL_DOMAIN


def _assignment_frame(org: Org) -> pl.DataFrame:
    manager = {team: person.external_id for team, person in org.team_manager.items()}
    rows = [
        {
            "person": leader.person.external_id,
            "role": leader.role,
            "team": leader.team,
            "manager": manager[leader.reports_to_team] if leader.reports_to_team else None,
            "territory": leader.territory,
            "title": leader.title,
            "valid_from": leader.person.hired_on,
            "valid_to": None,
        }
        for leader in org.leaders
    ]
    for t in sorted(org.tenures, key=lambda t: (t.person.external_id, t.start)):
        seat = org.seats[t.seat]
        rows.append(
            {
                "person": t.person.external_id,
                "role": "rep",
                "team": seat.team,
                "manager": manager[seat.team],
                "territory": seat.territory,
                "title": seat.title,
                "valid_from": t.start,
                "valid_to": t.end,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "person": pl.Utf8,
            "role": pl.Utf8,
            "team": pl.Utf8,
            "manager": pl.Utf8,
            "territory": pl.Utf8,
            "title": pl.Utf8,
            "valid_from": pl.Date,
            "valid_to": pl.Date,
        },
    )
