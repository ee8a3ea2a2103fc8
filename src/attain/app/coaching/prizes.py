"""Paying a finished contest's prizes through the incentive engine: each winner gets a ledger adjustment
(`app.runs.close.adjust`) in the open quarter containing the payment day, through a plan they are
assigned, with the contest and rank as the reason and the paying admin as approver.

A contest ranks people, which a plan's SPIFF component (deal filters, per-deal or lump-sum amounts)
cannot express, so prizes are adjustments rather than a SPIFF in a plan; they appear on statements
and in payroll exports like any other ledger line. Paying twice is a no-op: a winner whose ledger
already holds the prize's reason is skipped. Tied winners each receive the prize of their rank.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from attain.app.coaching.access import Viewer
from attain.app.coaching.contests import leaderboard
from attain.app.coaching.ports import CoachingStore, KpiSource
from attain.app.runs.close import adjust
from attain.app.runs.ports import PayStore
from attain.domain.calendar import PeriodKind
from attain.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from attain.domain.money import from_minor


@dataclass(frozen=True, slots=True)
class PrizePaid:
    person: str  # external id
    rank: int
    amount: int  # minor units
    currency: str
    ledger_entry_id: int | None  # None when it had been paid before


def prize_reason(contest_key: str, rank: int) -> str:
    return f"contest {contest_key}: prize for rank {rank}"


def pay_prizes(
    coaching: CoachingStore, pay: PayStore, kpis: KpiSource, viewer: Viewer, key: str, *, today: date
) -> list[PrizePaid]:
    if not viewer.is_admin:
        raise Forbidden("only an admin pays contest prizes")
    board = leaderboard(coaching, kpis, viewer, key, today=today)
    if not board.finished:
        raise Conflict(
            f"contest '{key}' ends on {board.contest.ends_on}", hint="pay its prizes after it ends"
        )
    quarter = kpis.current_period(PeriodKind.QUARTER, today)
    if quarter is None:
        raise NotFound(f"no fiscal quarter holds {today}", hint="run `attain init` first")
    paid: list[PrizePaid] = []
    for standing in board.standings:
        prize = standing.prize
        if prize is None or standing.rank is None:
            continue
        reason = prize_reason(board.contest.key, standing.rank)
        with pay.transaction() as tx:
            before = [
                e
                for e in tx.ledger.entries(person_ids=[standing.person.id], kinds=["adjustment"])
                if e.reason == reason
            ]
        if before:
            paid.append(
                PrizePaid(standing.person.external_id, standing.rank, prize.amount, prize.currency, None)
            )
            continue
        with pay.transaction() as tx:
            currencies = {
                a.currency
                for a in tx.pay_inputs.assignments(quarter.period.start, quarter.period.end)
                if a.person == standing.person.external_id
            }
        if currencies and prize.currency not in currencies:
            raise InvalidInput(
                f"the rank {standing.rank} prize is in {prize.currency}, "
                f"{standing.person.name}'s plans pay in {', '.join(sorted(currencies))}",
                hint="set the prize in the plan currency",
            )
        entry = adjust(
            pay,
            standing.person.external_id,
            quarter.period.key,
            str(from_minor(prize.amount, prize.currency)),
            reason=reason,
            approver=viewer.username,
            actor=viewer.username,
        )
        paid.append(
            PrizePaid(standing.person.external_id, standing.rank, prize.amount, prize.currency, entry)
        )
    return paid
