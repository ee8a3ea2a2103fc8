"""Crediting as SQL: orders -> credits (owner or direct splits, overlays, territory, manager roll-ups).

Direct split amounts are allocated by largest remainder (earlier positions win ties), exactly as
Money.allocate does; roll-ups join precomputed manager chains, piecewise constant between the dates where
any link on the way up starts or ends, so a credit meets at most one manager per level. Role codes sort as
the role names do (direct, overlay, rollup, territory).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from attain.domain.plans.model import CreditRole
from attain.engine.inputs import ExchangeRate, ManagerLink

SHARE_DIGITS = 9
SHARE_ONE = 10**SHARE_DIGITS
FIRST_DAY = date(1, 1, 1)
LAST_DAY = date(9999, 12, 31)  # an open end; no credit is dated on it
ROLE_CODE = {CreditRole.DIRECT: 0, CreditRole.OVERLAY: 1, CreditRole.ROLLUP: 2, CreditRole.TERRITORY: 3}
CODE_ROLE = {v: k for k, v in ROLE_CODE.items()}
UNCREDITED = "('cancellation', 'return')"


def share_number(share: Decimal, where: str) -> int:
    scaled = share.scaleb(SHARE_DIGITS)
    if scaled != scaled.to_integral_value():
        from attain.domain.errors import InvalidInput  # noqa: PLC0415 - only on the error path

        raise InvalidInput(
            f"{where}: share {share} has more than {SHARE_DIGITS} decimals",
            hint=f"round split shares to {SHARE_DIGITS} decimals",
        )
    return int(scaled)


def manager_chains(links: Sequence[ManagerLink], levels: int) -> list[tuple[str, int, str, date, date]]:
    """(seller, level, manager, from, to-exclusive) rows: who is each level above a seller on each day."""
    by_person: dict[str, list[ManagerLink]] = defaultdict(list)
    for link in links:
        by_person[link.person_id].append(link)

    @cache
    def first_level(person: str) -> tuple[tuple[date, date, str | None], ...]:
        own = by_person.get(person, [])
        cuts = {FIRST_DAY, LAST_DAY}
        for m in own:
            cuts.add(m.valid_from)
            if m.valid_to is not None and m.valid_to < LAST_DAY - timedelta(days=1):
                cuts.add(m.valid_to + timedelta(days=1))
        out: list[tuple[date, date, str | None]] = []
        for start, end in itertools.pairwise(sorted(cuts)):
            found = [m for m in own if m.valid_from <= start and (m.valid_to is None or start <= m.valid_to)]
            manager = max(found, key=lambda m: (m.valid_from, m.manager_id)).manager_id if found else None
            if out and out[-1][2] == manager and out[-1][1] == start:
                out[-1] = (out[-1][0], end, manager)
            else:
                out.append((start, end, manager))
        return tuple(out)

    @cache
    def chain(person: str, depth: int) -> tuple[tuple[date, date, tuple[str, ...]], ...]:
        out: list[tuple[date, date, tuple[str, ...]]] = []
        for start, end, manager in first_level(person):
            if manager is None:
                continue
            if depth == 1:
                out.append((start, end, (manager,)))
                continue
            above = chain(manager, depth - 1)
            for a, b, managers in above:
                lo, hi = max(a, start), min(b, end)
                if lo < hi:
                    out.append((lo, hi, (manager, *managers)))
            # Days of this segment where the manager has no manager of their own still roll up one level.
            out.extend((a, b, (manager,)) for a, b in _gaps(start, end, [(a, b) for a, b, _ in above]))
        return tuple(sorted(out))

    rows = []
    for seller in sorted(by_person):
        for start, end, managers in chain(seller, levels):
            seen = {seller}
            for level, manager in enumerate(managers, start=1):
                if manager in seen:
                    break  # a cycle in the data: the reference stops there too
                seen.add(manager)
                rows.append((seller, level, manager, start, end))
    return rows


def _gaps(start: date, end: date, spans: list[tuple[date, date]]) -> list[tuple[date, date]]:
    out, at = [], start
    for a, b in sorted(spans):
        if b <= at or a >= end:
            continue
        if a > at:
            out.append((at, a))
        at = max(at, b)
    if at < end:
        out.append((at, end))
    return out


def rate_intervals(rates: Sequence[ExchangeRate]) -> list[tuple[str, str, date, date, Decimal]]:
    """(from, to, valid from, valid to-exclusive, rate): the latest rate dated on or before each day."""
    by_pair: dict[tuple[str, str], dict[date, Decimal]] = defaultdict(dict)
    for r in rates:
        by_pair[(r.from_currency, r.to_currency)].setdefault(r.valid_on, r.rate)  # the first of a day wins
    rows = []
    for (src, dst), days in sorted(by_pair.items()):
        ordered = sorted(days)
        for i, start in enumerate(ordered):
            end = ordered[i + 1] if i + 1 < len(ordered) else LAST_DAY
            rows.append((src, dst, start, end, days[start]))
    return rows


def credits_sql(
    roles: frozenset[CreditRole],
    levels: int,
    fields: Sequence[str],
    with_splits: bool,
    shared: str | None = None,
) -> str:
    """SELECT of the credits of `roles` (roll-ups up to `levels`), carrying the order `fields`; `shared` names
    a table of direct credits already computed for several plans (see `direct_sql`)."""
    if shared is not None:
        direct = (
            "SELECT ono, person_id, 0 AS role, 0 AS level, seq, tie, share_src, share_num, amount, currency, "
            f"booked_on{''.join(f', {f}' for f in fields)} FROM {shared}"
        )
        return _with_direct(direct, roles, levels, fields, with_splits)
    return _with_direct(direct_sql(fields, with_splits), roles, levels, fields, with_splits)


def direct_sql(fields: Sequence[str], with_splits: bool) -> str:
    """The direct credits: the owner, or the order's direct splits allocated by largest remainder."""
    carried = "".join(f", o.{f}" for f in fields)
    o = f"(SELECT * FROM orders_src WHERE kind NOT IN {UNCREDITED})"
    owner = (
        f"SELECT o.ono, o.owner AS person_id, 0 AS role, 0 AS level, 1 AS seq, 1 AS tie, -1 AS share_src, "
        f"{SHARE_ONE} AS share_num, o.amount, o.currency, o.booked_on{carried} FROM {o} o"
    )
    if with_splits:
        owner += (
            " LEFT JOIN (SELECT DISTINCT ono FROM splits_src WHERE role = 0) s ON o.ono = s.ono"
            " WHERE o.owner IS NOT NULL AND s.ono IS NULL"
        )
        split = (
            f"SELECT o.ono, s.person_id, s.sequence, s.ord, s.share_num, o.amount, o.currency, "
            f"o.booked_on{carried}, "
            f"ABS(CAST(o.amount AS HUGEINT)) * s.share_num AS exact "
            f"FROM splits_src s JOIN {o} o ON s.ono = o.ono WHERE s.role = 0"
        )
        ranked = (
            f"SELECT *, exact // {SHARE_ONE} AS floor_part, exact % {SHARE_ONE} AS rest, "
            f"ROW_NUMBER() OVER (PARTITION BY ono ORDER BY sequence, person_id, ord) AS pos FROM ({split})"
        )
        placed = (
            "SELECT *, ABS(amount) - SUM(floor_part) OVER (PARTITION BY ono) AS leftover, "
            "ROW_NUMBER() OVER (PARTITION BY ono ORDER BY rest DESC, pos) AS rank_by_rest "
            f"FROM ({ranked})"
        )
        allocated = (
            "SELECT ono, person_id, 0 AS role, 0 AS level, sequence AS seq, pos AS tie, ord AS share_src, "
            "share_num, CAST(SIGN(amount) * (floor_part + CASE WHEN rank_by_rest <= leftover THEN "
            "1 ELSE 0 END)"
            f" AS BIGINT) AS amount, currency, booked_on{''.join(f', {f}' for f in fields)} FROM ({placed})"
        )
        direct = f"{owner} UNION ALL {allocated}"
    else:
        direct = f"{owner} WHERE o.owner IS NOT NULL"
    return direct


def _with_direct(
    direct: str, roles: frozenset[CreditRole], levels: int, fields: Sequence[str], with_splits: bool
) -> str:
    carried = "".join(f", o.{f}" for f in fields)
    parts: list[str] = []
    o = f"(SELECT * FROM orders_src WHERE kind NOT IN {UNCREDITED})"
    if CreditRole.DIRECT in roles:
        parts.append(direct)
    if CreditRole.OVERLAY in roles and with_splits:
        overlay_amount = (
            f"CAST(SIGN(o.amount) * ((ABS(CAST(o.amount AS HUGEINT)) * s.share_num) // {SHARE_ONE} + CASE "
            f"WHEN 2 * ((ABS(CAST(o.amount AS HUGEINT)) * s.share_num) % {SHARE_ONE}) > {SHARE_ONE} OR "
            f"(2 * ((ABS(CAST(o.amount AS HUGEINT)) * s.share_num) % {SHARE_ONE}) = {SHARE_ONE} AND "
            f"((ABS(CAST(o.amount AS HUGEINT)) * s.share_num) // {SHARE_ONE}) % 2 = 1) THEN 1 ELSE "
            "0 END) AS BIGINT)"
        )
        parts.append(
            f"SELECT o.ono, s.person_id, 1 AS role, 0 AS level, s.sequence AS seq, s.ord AS tie, "
            f"s.ord AS share_src, s.share_num, {overlay_amount} AS amount, o.currency, o.booked_on{carried} "
            f"FROM splits_src s JOIN {o} o ON s.ono = o.ono WHERE s.role = 1"
        )
    if CreditRole.TERRITORY in roles:
        parts.append(
            f"SELECT o.ono, t.person_id, 3 AS role, 0 AS level, 1 AS seq, t.ord AS tie, -1 AS share_src, "
            f"{SHARE_ONE} AS share_num, o.amount, o.currency, o.booked_on{carried} "
            f"FROM {o} o JOIN territories_src t ON o.territory = t.territory "
            "AND o.booked_on >= t.valid_from AND o.booked_on < t.valid_to"
        )
    if CreditRole.ROLLUP in roles and levels > 0:
        cols = "".join(f", d.{f}" for f in fields)
        parts.append(
            f"SELECT d.ono, h.manager_id AS person_id, 2 AS role, h.level, d.seq, d.tie, d.share_src, "
            f"d.share_num, d.amount, d.currency, d.booked_on{cols} FROM ({direct}) d "
            f"JOIN chains_src h ON d.person_id = h.person_id AND d.booked_on >= h.valid_from "
            f"AND d.booked_on < h.valid_to AND h.level <= {levels}"
        )
    if not parts:
        return f"SELECT * FROM ({direct}) WHERE FALSE"
    return " UNION ALL ".join(f"({p})" for p in parts)
