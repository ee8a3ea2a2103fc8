"""Vectorised parsing of raw text columns into a typed fact frame, with a RowError for every bad cell.

Each field becomes a value column and an error column in one Polars pass; only failing cells turn
into Python objects. Money is parsed straight into exact minor units of each row's currency.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from attain.app.imports.batch import RowError
from attain.app.imports.mapping import FieldSpec, Mapping, TargetSpec
from attain.domain.facts import FactField, FieldType, entity
from attain.domain.money import minor_exponent

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%d %H:%M:%S"
TRUE_TEXTS = ("true", "yes", "y", "1", "t", "x")
FALSE_TEXTS = ("false", "no", "n", "0", "f")
NUMBER = r"^([+-]?)(\d{1,15})(?:\.(\d*))?$"
PLAIN_NUMBER = r"^[+-]?[0-9]+(\.[0-9]*)?$"  # nothing in it for _number_text to clean
PLAIN_INT = r"^[+-]?[0-9]{1,15}$"
DECIMAL_PLACES = 6  # the typed frames' Decimal(38, 6)
CONSTANT = "(constant)"
NUMERIC = (FieldType.MONEY, FieldType.DECIMAL, FieldType.INT)


@dataclass(frozen=True, slots=True)
class ParsedTarget:
    frame: pl.DataFrame  # typed fields plus `_source` and `_row`; failing rows still present
    failed: pl.Series  # Boolean per row: at least one cell could not be read
    errors: list[RowError]


def _text(spec: FieldSpec, column: str | None, mapping: Mapping) -> pl.Expr:
    """The cell as trimmed text, null when empty, with the value map and default applied."""
    if spec.value is not None:
        expr = pl.lit(_as_text(spec.value), pl.Utf8)
    elif column is None:
        expr = pl.lit(None, pl.Utf8)
    else:
        expr = pl.col(column).cast(pl.Utf8).str.strip_chars()
        nulls = spec.null_values if spec.null_values is not None else mapping.null_values
        expr = pl.when(expr.is_in([n.strip() for n in nulls])).then(None).otherwise(expr)
    if spec.map:
        mapped = {k.strip(): None if v is None else _as_text(v) for k, v in spec.map.items()}
        fallback = pl.lit(_as_text(spec.otherwise), pl.Utf8) if spec.otherwise is not None else expr
        expr = expr.replace_strict(mapped, default=fallback, return_dtype=pl.Utf8)
    if spec.default is not None:
        expr = expr.fill_null(pl.lit(_as_text(spec.default)))
    return expr


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number_text(t: pl.Expr, decimal_comma: bool) -> pl.Expr:
    """Digits with a '.' decimal point: separators, spaces, symbols and accounting brackets removed."""
    s = t.str.replace_all(r"[\s\u00a0$€£¥]", "")
    s = s.str.replace(r"^[A-Za-z]{3}([-+\d.,(].*)$", "$1").str.replace(r"^(.*[\d.,)])[A-Za-z]{3}$", "$1")
    s = s.str.replace(r"^\((.*)\)$", "-$1")
    if decimal_comma:
        return s.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return s.str.replace_all(",", "", literal=True)


def _money(t: pl.Expr, parts: pl.Expr, exp: pl.Expr, currency: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """`parts` is the NUMBER match of the text, `exp` the row currency's minor-unit exponent."""
    sign, whole, frac = parts.struct.field("1"), parts.struct.field("2"), parts.struct.field("3")
    frac_len = frac.str.len_chars().fill_null(0).cast(pl.Int64)
    scale = exp.replace_strict(_POWERS, default=None, return_dtype=pl.Int64)
    pad = (exp - frac_len).replace_strict(_POWERS, default=None, return_dtype=pl.Int64)
    frac_minor = pl.when(frac_len == 0).then(0).otherwise(frac.cast(pl.Int64, strict=False) * pad)
    minor = whole.cast(pl.Int64) * scale + frac_minor
    value = pl.when(sign == "-").then(-minor).otherwise(minor)
    error = (
        pl.when(t.is_null())
        .then(None)
        .when(whole.is_null())
        .then(pl.lit("is not an amount"))
        .when(frac_len > exp)
        .then(
            pl.format("has {} decimals but {} allows {}", frac_len, currency.fill_null("its currency"), exp)
        )
    )
    return pl.when(error.is_null()).then(value), error


_POWERS = {n: 10**n for n in range(10)}


def _decimal(t: pl.Expr, cleaned: pl.Expr, parts: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    frac_len = parts.struct.field("3").str.len_chars().fill_null(0)
    error = (
        pl.when(t.is_null())
        .then(None)
        .when(parts.struct.field("2").is_null())
        .then(pl.lit("is not a number"))
        .when(frac_len > DECIMAL_PLACES)
        .then(pl.lit(f"has more than {DECIMAL_PLACES} decimals"))
    )
    return pl.when(error.is_null()).then(cleaned.cast(pl.Decimal(38, DECIMAL_PLACES), strict=False)), error


def _int(t: pl.Expr, parts: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    whole = pl.when(parts.struct.field("3").str.contains(r"^0*$") | parts.struct.field("3").is_null()).then(
        pl.concat_str(parts.struct.field("1"), parts.struct.field("2"))
    )
    value = whole.cast(pl.Int64, strict=False)
    return value, pl.when(t.is_not_null() & value.is_null()).then(pl.lit("is not a whole number"))


def _date(t: pl.Expr, formats: list[str]) -> tuple[pl.Expr, pl.Expr]:
    tries = [t.str.to_date(f, strict=False) for f in [*formats, ISO_DATE]]
    tries.append(t.str.to_datetime(ISO_DATETIME, strict=False).dt.date())
    value = pl.coalesce(tries)
    return value, pl.when(t.is_not_null() & value.is_null()).then(pl.lit("is not a date"))


def _date_in(t: pl.Expr, date_format: str) -> tuple[pl.Expr, pl.Expr]:
    """One format only: for a chunk whose every date it reads (see `_plain`)."""
    value = t.str.to_date(date_format, strict=False)
    return value, pl.when(t.is_not_null() & value.is_null()).then(pl.lit("is not a date"))


def _datetime(t: pl.Expr, formats: list[str]) -> tuple[pl.Expr, pl.Expr]:
    tries = []
    for f in [*formats, ISO_DATETIME, ISO_DATE]:
        if "%z" in f or "%:z" in f:
            tries.append(t.str.to_datetime(f, strict=False, time_unit="us").dt.convert_time_zone("UTC"))
        else:
            tries.append(t.str.to_datetime(f, strict=False, time_unit="us").dt.replace_time_zone("UTC"))
    value = pl.coalesce(tries)
    return value, pl.when(t.is_not_null() & value.is_null()).then(pl.lit("is not a date and time"))


def _bool(t: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    low = t.str.to_lowercase()
    value = pl.when(low.is_in(TRUE_TEXTS)).then(True).when(low.is_in(FALSE_TEXTS)).then(False)
    return value, pl.when(t.is_not_null() & value.is_null()).then(pl.lit("is not yes or no"))


def _hint(f: FactField, spec: FieldSpec, mapping: Mapping) -> str:
    formats = spec.date_formats or (
        mapping.datetime_formats if f.type is FieldType.DATETIME else mapping.date_formats
    )
    comma = spec.decimal_comma if spec.decimal_comma is not None else mapping.decimal_comma
    hints = {
        FieldType.MONEY: "write the amount with at most the currency's decimals, e.g. 1234.50"
        + (" (decimal comma: 1.234,50)" if comma else ""),
        FieldType.DECIMAL: f"write a number with at most {DECIMAL_PLACES} decimals",
        FieldType.INT: "write a whole number",
        FieldType.DATE: f"write the date as one of {', '.join(formats)} or add its format to date_formats",
        FieldType.DATETIME: f"write it as one of {', '.join(formats)} or add its format to the mapping",
        FieldType.BOOL: f"write one of {', '.join(TRUE_TEXTS + FALSE_TEXTS)}",
        FieldType.ENUM: f"use one of {', '.join(f.choices)}, or translate it with the field's map",
    }
    return hints.get(f.type, "correct the value")


def parse_target(
    mapping: Mapping, target: TargetSpec, raw: pl.DataFrame, columns: dict[str, str | None], source: str
) -> ParsedTarget:
    """Parse `raw` (text columns plus `_row`) into `target`'s typed frame.

    `columns` gives, per field, the file column chosen for it (None: constant or missing optional).
    """
    fact = entity(target.entity)
    # Evaluated in stages (text, then number parts, then values) so no sub-expression runs twice.
    staged = raw.with_columns(
        _text(spec, columns.get(name), mapping).alias(f"_t_{name}") for name, spec in target.fields.items()
    )
    currency = pl.col("_t_currency") if "currency" in target.fields else pl.lit(None, pl.Utf8)
    plain = _plain(staged, target, mapping)
    number_cols = []
    for name, spec in target.fields.items():
        if fact.field(name).type in NUMERIC:
            comma = spec.decimal_comma if spec.decimal_comma is not None else mapping.decimal_comma
            text = pl.col(f"_t_{name}")
            cleaned = text if f"number:{name}" in plain else _number_text(text, comma)
            number_cols.append(cleaned.alias(f"_c_{name}"))
            if f"int:{name}" not in plain:
                number_cols.append(cleaned.str.extract_groups(NUMBER).alias(f"_n_{name}"))
    if any(fact.field(n).type is FieldType.MONEY for n in target.fields):
        exponents = {c: minor_exponent(c) for c in _currencies(staged)}
        number_cols.append(
            currency.replace_strict(exponents, default=2, return_dtype=pl.Int64).fill_null(2).alias("_exp")
        )
    if number_cols:
        staged = staged.with_columns(number_cols)
    values: list[pl.Expr] = []
    errors: list[pl.Expr] = []
    for name, spec in target.fields.items():
        f = fact.field(name)
        t = pl.col(f"_t_{name}")
        parts = pl.col(f"_n_{name}")
        if f.type is FieldType.MONEY:
            value, error = _money(t, parts, pl.col("_exp"), currency)
        elif f.type is FieldType.DECIMAL:
            value, error = _decimal(t, pl.col(f"_c_{name}"), parts)
        elif f.type is FieldType.INT and f"int:{name}" in plain:
            value = t.cast(pl.Int64, strict=False)
            error = pl.when(t.is_not_null() & value.is_null()).then(pl.lit("is not a whole number"))
        elif f.type is FieldType.INT:
            value, error = _int(t, parts)
        elif f.type is FieldType.DATE and f"date:{name}" in plain:
            value, error = _date_in(t, (spec.date_formats or mapping.date_formats)[0])
        elif f.type is FieldType.DATE:
            value, error = _date(t, spec.date_formats or mapping.date_formats)
        elif f.type is FieldType.DATETIME:
            value, error = _datetime(t, spec.date_formats or mapping.datetime_formats)
        elif f.type is FieldType.BOOL:
            value, error = _bool(t)
        elif f.type is FieldType.ENUM:
            value = t
            error = pl.when(t.is_not_null() & ~t.is_in(list(f.choices))).then(
                pl.lit(f"is not a valid {name}")
            )
        else:
            value, error = t, pl.lit(None, pl.Utf8)
        if f.required:
            error = pl.when(t.is_null()).then(pl.lit("is empty")).otherwise(error)
        values.append(value.alias(name))
        errors.append(error.cast(pl.Utf8).alias(f"_error_{name}"))
    shown = [pl.col(c).cast(pl.Utf8).alias(f"_shown_{c}") for c in set(filter(None, columns.values()))]
    full = staged.select(
        pl.lit(source).alias("_source"), pl.col("_row").cast(pl.Int64), *values, *errors, *shown
    )
    error_cols = [f"_error_{name}" for name in target.fields]
    failed = full.select(pl.any_horizontal(pl.col(error_cols).is_not_null()).alias("failed")).to_series()
    row_errors = _row_errors(full.filter(failed), mapping, target, columns, source)
    frame = full.select("_source", "_row", *target.fields)
    return ParsedTarget(frame, failed, row_errors)


def _plain(staged: pl.DataFrame, target: TargetSpec, mapping: Mapping) -> set[str]:
    """Fields whose every filled cell of this chunk has the simple form, in one pass over it:
    'number:<field>' (nothing to clean), 'int:<field>' (plain digits), 'date:<field>' (the first
    date format reads them all). Those fields skip the general parsing, which gives the same values
    for such cells; a chunk with one other cell in a field parses that field in full."""
    fact = entity(target.entity)
    probes = []
    for name, spec in target.fields.items():
        f = fact.field(name)
        t = pl.col(f"_t_{name}")
        comma = spec.decimal_comma if spec.decimal_comma is not None else mapping.decimal_comma
        if f.type in NUMERIC and not comma:
            probes.append((t.is_null() | t.str.contains(PLAIN_NUMBER)).all().alias(f"number:{name}"))
            if f.type is FieldType.INT:
                probes.append((t.is_null() | t.str.contains(PLAIN_INT)).all().alias(f"int:{name}"))
        elif f.type is FieldType.DATE:
            first = (spec.date_formats or mapping.date_formats)[0]
            probes.append(
                (t.is_null() | t.str.to_date(first, strict=False).is_not_null()).all().alias(f"date:{name}")
            )
    if not probes or staged.height == 0:
        return set()
    return {probe for probe, ok in staged.select(probes).row(0, named=True).items() if ok}


def _currencies(staged: pl.DataFrame) -> list[str]:
    """The distinct currency codes of the chunk, to look their minor-unit exponents up once."""
    if "_t_currency" not in staged.columns:
        return []
    return [c for c in staged.get_column("_t_currency").unique().to_list() if c]


def _row_errors(
    failing: pl.DataFrame, mapping: Mapping, target: TargetSpec, columns: dict[str, str | None], source: str
) -> list[RowError]:
    fact = entity(target.entity)
    out: list[RowError] = []
    for name, spec in target.fields.items():
        bad = failing.filter(pl.col(f"_error_{name}").is_not_null())
        if bad.height == 0:
            continue
        column = columns.get(name)
        shown = f"_shown_{column}" if column else None
        hint = _hint(fact.field(name), spec, mapping)
        cols = ["_row", f"_error_{name}"] + ([shown] if shown else [])
        for values in bad.select(cols).iter_rows():
            message = values[1]
            value = values[2] if shown else None
            if message == "is empty":
                hint_here = (
                    f"fill in {column or name}, or give the mapping a default for {target.entity}.{name}"
                )
            else:
                hint_here = hint
            out.append(
                RowError(
                    source,
                    values[0],
                    column or f"{CONSTANT} {name}",
                    value,
                    f"{target.entity}.{name} {message}",
                    hint_here,
                    target.entity,
                )
            )
    return sorted(out, key=lambda e: e.row or 0)
