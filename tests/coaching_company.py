"""A small hand-built company for the coaching tests, with figures simple enough to check by hand.

Fiscal year = calendar year, USD. Manager Mia (team North) has reps Ann, Bob and Cat; manager Ned
(team South) has rep Dan. "Today" is 2025-05-15, 45 days into FY2025-Q2 (91 days).

Closed deals (30 days from creation to close, one order per won deal):
- FY2025-Q1 (Jan-Mar): Ann 2 won of 10 (25,000 each), Bob 5 of 10, Cat 4 of 10 (20,000 each).
- FY2025-Q2 so far:   Ann 1 won of 4 (30,000), Bob 3 of 4 (20,000 each), Cat 2 of 4 (22,500 each).
- Dan: 1 won of 2 in each quarter (10,000).
Q2 revenue quotas: Ann, Bob, Cat 100,000; Dan 30,000. Linear pace at 2025-05-15: Ann 30,000 x 91/45
= 0.607 of quota (off track), Bob 1.213 (on track), Cat 0.91 (at risk), Dan 0.674 (off track).
Win rate in Q2 so far: Ann 0.25, Bob 0.75, Cat 0.5 (team median 0.5); in Q1 Ann 0.2.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from attain.app.coaching.access import Viewer
from attain.app.setup import init_company
from attain.app.users import create_user
from attain.store import models as m
from attain.store.unit_of_work import SqlStore

TODAY = date(2025, 5, 15)
Q1_START, Q2_START = date(2025, 1, 1), date(2025, 4, 1)
PASSWORD = "coaching-password-1"


@dataclass(frozen=True)
class Company:
    mia: int
    ned: int
    ann: int
    bob: int
    cat: int
    dan: int
    admin: Viewer
    manager: Viewer  # Mia
    other_manager: Viewer  # Ned
    rep: Viewer  # Ann
    other_rep: Viewer  # Dan
    peer: Viewer  # Bob, Ann's peer


def _deals(
    ids: itertools.count[int], owner: int, account: int, start: date, won: int, lost: int, amount: int
) -> list[object]:
    """`won` won and `lost` lost deals closing on consecutive days from `start`, with orders."""
    out: list[object] = []
    for i in range(won + lost):
        n = next(ids)
        close = start + timedelta(days=i)
        status = "won" if i < won else "lost"
        opp = m.Opportunity(
            id=n,
            external_id=f"opp-{n}",
            owner_id=owner,
            account_id=account,
            stage=status.title(),
            status=status,
            amount=amount * 100 if status == "won" else 0,
            currency="USD",
            created_on=close - timedelta(days=30),
            close_on=close,
        )
        out.append(opp)
        if status == "won":
            out.append(
                m.Order(
                    external_id=f"ord-{n}",
                    booked_on=close,
                    owner_id=owner,
                    account_id=account,
                    opportunity_id=n,
                    amount=amount * 100,
                    currency="USD",
                    kind="new",
                )
            )
    return out


def build_company(store: SqlStore, *, logins: bool = True) -> Company:
    init_company(store, start_month=1, currency="USD", first_fy=2024, last_fy=2026)
    start = date(2024, 1, 1)
    with store.transaction() as tx:
        s = tx.session
        people = {
            key: m.Person(external_id=key, name=name)
            for key, name in [
                ("mia", "Mia Manager"),
                ("ned", "Ned Manager"),
                ("ann", "Ann Rep"),
                ("bob", "Bob Rep"),
                ("cat", "Cat Rep"),
                ("dan", "Dan Rep"),
            ]
        }
        s.add_all(people.values())
        north, south = m.Team(external_id="north", name="North"), m.Team(external_id="south", name="South")
        s.add_all([north, south])
        s.flush()
        p = {k: v.id for k, v in people.items()}
        s.add_all(
            [
                m.Assignment(person_id=p["mia"], role="manager", team_id=north.id, valid_from=start),
                m.Assignment(person_id=p["ned"], role="manager", team_id=south.id, valid_from=start),
                *[
                    m.Assignment(
                        person_id=p[k], role="rep", team_id=north.id, manager_id=p["mia"], valid_from=start
                    )
                    for k in ("ann", "bob", "cat")
                ],
                m.Assignment(
                    person_id=p["dan"], role="rep", team_id=south.id, manager_id=p["ned"], valid_from=start
                ),
            ]
        )
        acme = m.Account(external_id="acme", name="Acme", segment="MM")
        s.add(acme)
        s.flush()
        base = s.query(m.Opportunity).count()
        serial = itertools.count(base + 1)
        rows: list[object] = []
        rows += _deals(serial, p["ann"], acme.id, date(2025, 2, 1), 2, 8, 25_000)
        rows += _deals(serial, p["bob"], acme.id, date(2025, 2, 1), 5, 5, 20_000)
        rows += _deals(serial, p["cat"], acme.id, date(2025, 2, 1), 4, 6, 20_000)
        rows += _deals(serial, p["ann"], acme.id, date(2025, 4, 20), 1, 3, 30_000)
        rows += _deals(serial, p["bob"], acme.id, date(2025, 4, 20), 3, 1, 20_000)
        rows += _deals(serial, p["cat"], acme.id, date(2025, 4, 20), 2, 2, 22_500)
        rows += _deals(serial, p["dan"], acme.id, date(2025, 2, 1), 1, 1, 10_000)
        rows += _deals(serial, p["dan"], acme.id, date(2025, 4, 20), 1, 1, 10_000)
        for row in rows:
            s.add(row)
            s.flush()
        q2 = s.query(m.Period).filter(m.Period.key == "FY2025-Q2").one()
        for key, target in (("ann", 100_000), ("bob", 100_000), ("cat", 100_000), ("dan", 30_000)):
            s.add(
                m.Goal(
                    metric="revenue",
                    scope_kind="person",
                    person_id=p[key],
                    period_id=q2.id,
                    kind="quota",
                    target=Decimal(target),
                    currency="USD",
                )
            )
    ids = {k: p[k] for k in p}
    if logins:
        logins_made: tuple[tuple[str, list[str], str | None], ...] = (
            ("admin", ["admin"], None),
            ("mia", ["manager"], "mia"),
            ("ned", ["manager"], "ned"),
            ("ann", ["rep"], "ann"),
            ("bob", ["rep"], "bob"),
            ("dan", ["rep"], "dan"),
        )
        for username, roles, who in logins_made:
            create_user(store, username, PASSWORD, roles, person_id=ids[who] if who else None)
    return Company(
        ids["mia"],
        ids["ned"],
        ids["ann"],
        ids["bob"],
        ids["cat"],
        ids["dan"],
        admin=Viewer("admin", ("admin",), None),
        manager=Viewer("mia", ("manager",), ids["mia"]),
        other_manager=Viewer("ned", ("manager",), ids["ned"]),
        rep=Viewer("ann", ("rep",), ids["ann"]),
        other_rep=Viewer("dan", ("rep",), ids["dan"]),
        peer=Viewer("bob", ("rep",), ids["bob"]),
    )


def now() -> datetime:
    return datetime.now(UTC)
