"""Converting facts into the reporting currency with dated exchange rates, exactly.

The rate used is the latest one valid on or before the fact's date (the latest of all for undated
facts). Rates are scaled to integers (12 decimals) and the product is rounded once, half to even, in
128-bit integers, so a converted amount is the exact rounding of amount x rate.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl

from attain.analytics.exact import div_half_even
from attain.domain.errors import InvalidInput
from attain.domain.money import minor_exponent

RATE_DIGITS = 12
_FAR = date(9999, 12, 31)


def rate_table(rates: pl.DataFrame, currency: str) -> pl.DataFrame:
    """_cur, _valid, _rate (Int128, rate x 10**12) into `currency`; reverse quotes are inverted."""
    rows = []
    for frm, to, day, rate in rates.select("from_currency", "to_currency", "valid_on", "rate").iter_rows():
        value = Decimal(str(rate))
        if value <= 0:
            continue
        if to == currency and frm != currency:
            rows.append((frm, day, int((value * 10**RATE_DIGITS).to_integral_value())))
        elif frm == currency and to != currency:
            rows.append(
                (
                    to,
                    day,
                    int((10**RATE_DIGITS / value * 10**RATE_DIGITS).to_integral_value() // 10**RATE_DIGITS),
                )
            )
    frame = pl.DataFrame(rows, schema={"_cur": pl.Utf8, "_valid": pl.Date, "_rate": pl.Int128}, orient="row")
    # A direct quote beats an inverted one on the same day.
    return frame.unique(["_cur", "_valid"], keep="first").sort("_valid")


def to_reporting(
    frame: pl.DataFrame, date_col: str, currency: str, rates: pl.DataFrame | None, what: str
) -> pl.DataFrame:
    """`frame` with `amount` in `currency` and `currency` set to it; raises when a rate is missing."""
    dtype = frame.schema["currency"]
    frame = frame.with_columns(pl.col("currency").cast(pl.Utf8))
    foreign = pl.col("currency").is_not_null() & (pl.col("currency") != currency)
    if frame.is_empty() or not frame.select(foreign.any()).item():
        return frame.with_columns(currency=pl.lit(currency).cast(dtype))
    if rates is None or rates.is_empty():
        codes = sorted(frame.filter(foreign)["currency"].unique().to_list())
        raise InvalidInput(
            f"{what} in {', '.join(codes)} need exchange rates into {currency}",
            hint="import exchange_rate rows (from_currency, to_currency, valid_on, rate)",
        )
    table = rate_table(rates, currency)
    rows = frame.with_row_index("_r")
    other = rows.filter(foreign).with_columns(_on=pl.col(date_col).fill_null(_FAR)).sort("_on")
    joined = other.join_asof(
        table,
        left_on="_on",
        right_on="_valid",
        by_left="currency",
        by_right="_cur",
        strategy="backward",
        check_sortedness=False,
    )
    missing = joined.filter(pl.col("_rate").is_null())
    if missing.height:
        first = missing.row(0, named=True)
        raise InvalidInput(
            f"no {first['currency']}->{currency} rate on or before {first[date_col]} for {what} "
            f"{first.get('external_id') or ''}".rstrip(),
            hint="import an exchange rate valid on or before that date",
        )
    parts = []
    for code in joined["currency"].unique().to_list():
        shift = minor_exponent(currency) - minor_exponent(code)
        num = pl.col("amount").cast(pl.Int128) * pl.col("_rate") * 10 ** max(shift, 0)
        den = pl.lit(10 ** (RATE_DIGITS + max(-shift, 0)), dtype=pl.Int128)
        parts.append(
            joined.filter(pl.col("currency") == code).with_columns(
                amount=div_half_even(num, den).cast(pl.Int64)
            )
        )
    converted = pl.concat(parts).select(rows.columns)
    same = rows.filter(~foreign)
    out = pl.concat([same, converted]).sort("_r").drop("_r")
    return out.with_columns(currency=pl.lit(currency).cast(dtype))
