"""A history chunk as typed fact frames (the import contract): opportunities, stage histories, orders.

Identifiers are numbered across chunks in draw order; every timestamp and billing date is derived
from the row's own number, so the frames depend on nothing but the chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from attain.demo.catalogue import LOST_STAGE, PRODUCTS, STAGES, WON_STAGE
from attain.demo.deals import NEW, OPEN, UPSELL, WON
from attain.demo.history import Context, History
from attain.demo.lines import CURRENCIES
from attain.demo.spec import day_number

US_PER_DAY = 86_400_000_000
US_PER_MINUTE = 60_000_000
STATUS = np.array(["open", "won", "lost"])
KIND = np.array(["new", "upsell", "renewal"])  # indexed by NEW, UPSELL, RENEWAL
STAGE_NAMES = np.array([*STAGES, WON_STAGE, LOST_STAGE])
PRODUCT_IDS = pl.Series([p.key for p in PRODUCTS])
PRODUCT_NAMES = pl.Series([p.name for p in PRODUCTS])
CURRENCY_CODES = pl.Series(list(CURRENCIES))


@dataclass(slots=True)
class Numbering:
    """The last number given to each kind of identifier, carried from chunk to chunk."""

    opportunities: int = 0
    orders: int = 0
    credits: int = 0


def _ids(prefix: str, numbers: np.ndarray) -> pl.Series:
    return (prefix + pl.Series(numbers, dtype=pl.Int64).cast(pl.Utf8).str.zfill(7)).alias("id")


def _dates(days: np.ndarray) -> pl.Series:
    return pl.Series(days.astype(np.int32)).cast(pl.Date)


def _day_minute(number: np.ndarray, salt: np.ndarray) -> np.ndarray:
    """A working-hours minute (08:00-17:59) that looks random but follows from the row's number."""
    return np.asarray(480 + (number * 7919 + salt * 104_729) % 600)


def history_frames(ctx: Context, history: History, numbering: Numbering) -> list[tuple[str, pl.DataFrame]]:
    deals, lines = history.deals, history.lines
    n = len(deals)
    order = np.lexsort((np.arange(n), deals.account, deals.close, deals.created))
    number = np.empty(n, dtype=np.int64)
    number[order] = numbering.opportunities + 1 + np.arange(n)
    numbering.opportunities += n
    opp_ids = _ids("OPP-", number)

    amount = np.zeros(n, dtype=np.int64)
    np.add.at(amount, lines.owner, lines.amount)
    first_line = np.searchsorted(lines.owner, np.arange(n))
    product = lines.product[first_line]
    currency = ctx.traits.currency[deals.account]
    account_ids = ctx.accounts.frame["external_id"]
    account_names = ctx.accounts.frame["name"]
    owners = pl.Series(ctx.people.external_id)
    stage = np.where(deals.status == OPEN, deals.stage, np.where(deals.status == WON, 4, 5))
    close_year = _dates(deals.close).dt.year().cast(pl.Utf8)
    label = pl.select(
        pl.when(pl.lit(pl.Series(deals.kind)) == NEW)
        .then(pl.lit(PRODUCT_NAMES.gather(product)))
        .when(pl.lit(pl.Series(deals.kind)) == UPSELL)
        .then("Expansion: " + pl.lit(PRODUCT_NAMES.gather(product)))
        .otherwise("Renewal " + pl.lit(close_year))
    ).to_series()
    opportunities = pl.DataFrame(
        {
            "external_id": opp_ids,
            "name": account_names.gather(deals.account) + " - " + label,
            "account": account_ids.gather(deals.account),
            "product": PRODUCT_IDS.gather(product),
            "owner": owners.gather(deals.owner),
            "stage": STAGE_NAMES[stage],
            "status": STATUS[deals.status],
            "amount": amount,
            "currency": CURRENCY_CODES.gather(currency),
            "created_on": _dates(deals.created),
            "close_on": _dates(deals.close),
        }
    ).sort("external_id")
    return [
        ("opportunity", opportunities),
        ("opportunity_stage", _stage_frame(deals.entered, deals.status, deals.close, number, opp_ids)),
        ("order", _order_frame(ctx, history, number, opp_ids, numbering)),
    ]


def _stage_frame(
    entered: np.ndarray, status: np.ndarray, close: np.ndarray, number: np.ndarray, opp_ids: pl.Series
) -> pl.DataFrame:
    deal_parts, stage_parts, day_parts = [], [], []
    for k in range(4):
        reached = np.flatnonzero(entered[:, k] >= 0)
        deal_parts.append(reached)
        stage_parts.append(np.full(len(reached), k))
        day_parts.append(entered[reached, k])
    decided = np.flatnonzero(status != OPEN)
    deal_parts.append(decided)
    stage_parts.append(np.where(status[decided] == WON, 4, 5))
    day_parts.append(close[decided])
    deal, stage, day = np.concatenate(deal_parts), np.concatenate(stage_parts), np.concatenate(day_parts)
    at = day * US_PER_DAY + _day_minute(number[deal], stage) * US_PER_MINUTE
    frame = pl.DataFrame(
        {
            "opportunity": opp_ids.gather(deal),
            "stage": STAGE_NAMES[stage],
            "entered_at": pl.Series(at).cast(pl.Datetime("us", "UTC")),
            "_order": number[deal],
        }
    )
    return frame.sort("_order", "entered_at").drop("_order")


def _order_frame(
    ctx: Context, history: History, number: np.ndarray, opp_ids: pl.Series, numbering: Numbering
) -> pl.DataFrame:
    deals, lines, credits = history.deals, history.lines, history.credits
    won = np.flatnonzero(deals.status == WON)
    won = won[np.lexsort((number[won], deals.close[won]))]
    order_no = np.full(len(deals), -1)
    order_no[won] = numbering.orders + 1 + np.arange(len(won))
    numbering.orders += len(won)
    first_line = np.searchsorted(lines.owner, lines.owner)
    line_no = np.arange(len(lines)) - first_line + 1
    sold = np.flatnonzero(order_no[lines.owner] > 0)
    sold = sold[np.lexsort((line_no[sold], order_no[lines.owner[sold]]))]
    line_ids = np.full(len(lines), "", dtype=object)
    positive = _lines_frame(ctx, history, sold, order_no[lines.owner[sold]], line_no[sold], "SO-", opp_ids)
    line_ids[sold] = positive["external_id"].to_numpy()

    # One credit note per cancelled order (all its lines), one per returned line, in date order.
    credit_key = np.where(credits.cancellation, lines.owner[credits.line], -1 - credits.line)
    by_date = np.lexsort((credits.line, credit_key, credits.day))
    ordered_keys = credit_key[by_date]
    new_note = (
        np.concatenate([[True], ordered_keys[1:] != ordered_keys[:-1]])
        if len(by_date)
        else np.array([], bool)
    )
    note = numbering.credits + np.cumsum(new_note)
    numbering.credits += int(new_note.sum())
    note_line = (
        np.arange(len(by_date)) - np.maximum.accumulate(np.where(new_note, np.arange(len(by_date)), 0)) + 1
    )
    picked = credits.line[by_date]
    negative = _lines_frame(ctx, history, picked, note, note_line, "CN-", opp_ids).with_columns(
        booked_on=_dates(credits.day[by_date]),
        invoiced_on=_dates(credits.day[by_date]),
        paid_on=pl.lit(None, pl.Date),
        amount=pl.Series(credits.amount[by_date]),
        quantity=pl.when(pl.lit(pl.Series(credits.quantity[by_date])) != 0).then(
            pl.lit(pl.Series(credits.quantity[by_date])).cast(pl.Decimal(38, 6))
        ),
        kind=pl.Series(np.where(credits.cancellation[by_date], "cancellation", "return")),
        original=pl.Series(line_ids[picked], dtype=pl.Utf8),
        status=pl.lit("credited"),
    )
    return pl.concat([positive, negative])


def _lines_frame(
    ctx: Context,
    history: History,
    rows: np.ndarray,
    order_no: np.ndarray,
    line_no: np.ndarray,
    prefix: str,
    opp_ids: pl.Series,
) -> pl.DataFrame:
    deals, lines = history.deals, history.lines
    deal = lines.owner[rows]
    booked = deals.close[deal]
    invoiced = booked + order_no % 8
    paid = invoiced + 10 + (order_no * 29) % 66
    as_of = day_number(ctx.spec.as_of)
    numbers = _ids(prefix, order_no)
    return pl.DataFrame(
        {
            "external_id": numbers + "-" + pl.Series(line_no).cast(pl.Utf8),
            "order_number": numbers,
            "line_number": pl.Series(line_no, dtype=pl.Int64),
            "booked_on": _dates(booked),
            "account": ctx.accounts.frame["external_id"].gather(deals.account[deal]),
            "product": PRODUCT_IDS.gather(lines.product[rows]),
            "owner": pl.Series(ctx.people.external_id).gather(deals.owner[deal]),
            "opportunity": opp_ids.gather(deal),
            "quantity": pl.Series(lines.quantity[rows], dtype=pl.Int64).cast(pl.Decimal(38, 6)),
            "amount": pl.Series(lines.amount[rows], dtype=pl.Int64),
            "currency": CURRENCY_CODES.gather(lines.currency[rows]),
            "kind": KIND[deals.kind[deal]],
            "original": pl.Series([None] * len(rows), dtype=pl.Utf8),
            "status": np.where(paid <= as_of, "paid", np.where(invoiced <= as_of, "invoiced", "booked")),
            "invoiced_on": _dates(invoiced),
            "paid_on": _dates(paid),
        }
    ).with_columns(paid_on=pl.when(pl.col("paid_on") <= ctx.spec.as_of).then("paid_on"))
