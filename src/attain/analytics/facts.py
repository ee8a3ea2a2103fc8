"""The facts one measurement works on, read once through the FactReader for the dates it needs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import polars as pl

from attain.analytics import frames
from attain.analytics.currency import to_reporting
from attain.analytics.org import Org
from attain.analytics.ports import FactReader, FactScope


class Source(StrEnum):
    OPPORTUNITIES = "opportunities"
    ORDERS = "orders"
    STAGES = "stages"
    COSTS = "costs"
    FIRST_PURCHASES = "first_purchases"


@dataclass(slots=True)
class Facts:
    """Frames shaped as `frames` declares; sources a measurement does not need stay empty."""

    org: Org
    opportunities: pl.DataFrame = field(default_factory=lambda: frames.empty(frames.OPPORTUNITIES))
    orders: pl.DataFrame = field(default_factory=lambda: frames.empty(frames.ORDERS))
    stages: pl.DataFrame = field(default_factory=lambda: frames.empty(frames.STAGES))
    costs: pl.DataFrame = field(default_factory=lambda: frames.empty(frames.COSTS))
    first_purchases: pl.DataFrame = field(default_factory=lambda: frames.empty(frames.FIRST_PURCHASES))

    @classmethod
    def of(
        cls,
        org: Org,
        *,
        opportunities: pl.DataFrame | None = None,
        orders: pl.DataFrame | None = None,
        stages: pl.DataFrame | None = None,
        costs: pl.DataFrame | None = None,
        first_purchases: pl.DataFrame | None = None,
    ) -> Facts:
        """Facts from hand-built or read frames, conformed to their declared shapes."""
        out = cls(org)
        if opportunities is not None:
            out.opportunities = frames.conform(opportunities, frames.OPPORTUNITIES)
        if orders is not None:
            out.orders = frames.conform(orders, frames.ORDERS)
        if stages is not None:
            out.stages = frames.conform(stages, frames.STAGES)
        if costs is not None:
            out.costs = frames.conform(costs, frames.COSTS)
        if first_purchases is not None:
            out.first_purchases = frames.conform(first_purchases, frames.FIRST_PURCHASES)
        return out


def read_facts(
    reader: FactReader,
    scope: FactScope,
    sources: set[Source],
    org: Org | None = None,
    *,
    currency: str | None = None,
) -> Facts:
    """Read the `sources` for `scope` (and the organisation, unless given).

    With `currency`, money is converted into it with the dated exchange rates (read only when some
    fact is in another currency).
    """
    facts = Facts.of(
        org or Org.read(reader),
        opportunities=reader.opportunities(scope) if Source.OPPORTUNITIES in sources else None,
        orders=reader.orders(scope) if Source.ORDERS in sources else None,
        stages=reader.stage_history(scope) if Source.STAGES in sources else None,
        costs=reader.costs(scope) if Source.COSTS in sources else None,
        first_purchases=reader.first_purchases() if Source.FIRST_PURCHASES in sources else None,
    )
    if currency is None:
        return facts
    rates = RatesOnce(reader)
    facts.opportunities = in_currency(facts.opportunities, Source.OPPORTUNITIES, currency, rates)
    facts.orders = in_currency(facts.orders, Source.ORDERS, currency, rates)
    facts.costs = in_currency(facts.costs, Source.COSTS, currency, rates)
    return facts


class RatesOnce:
    """The exchange rates, read on first use only (most companies never need them)."""

    def __init__(self, reader: FactReader) -> None:
        self._reader = reader
        self._rates: pl.DataFrame | None = None

    def __call__(self) -> pl.DataFrame:
        if self._rates is None:
            self._rates = self._reader.exchange_rates()
        return self._rates


# The day each source's money is converted on: a deal at its close (else its creation), an order when
# booked, a cost at the start of its period.
_RATE_DAY = {
    Source.OPPORTUNITIES: pl.coalesce("close_on", "created_on"),
    Source.ORDERS: pl.col("booked_on"),
    Source.COSTS: pl.col("start_on"),
}


def in_currency(
    frame: pl.DataFrame, source: Source, currency: str, rates: Callable[[], pl.DataFrame]
) -> pl.DataFrame:
    """`frame` of `source` with its money in `currency`; each row is converted on its own day."""
    foreign = frame.filter(pl.col("currency").is_not_null() & (pl.col("currency") != currency))
    dated = frame.with_columns(_RATE_DAY[source].alias("_rate_on"))
    return to_reporting(dated, "_rate_on", currency, rates() if foreign.height else None, str(source)).drop(
        "_rate_on"
    )
