"""Reading facts into Polars frames for analytics: COPY on PostgreSQL, a raw cursor on SQLite.

Queries are pushed down to the scope's dates and owners. Only integers and dates are spliced into
the SQL text (COPY takes no bind parameters), each formatted here from a typed value.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import polars as pl
from sqlalchemy import text
from sqlalchemy.orm import Session

from attain.analytics import frames
from attain.analytics.ports import Detail, FactScope
from attain.app.ports import CalendarInfo
from attain.store.arrow_reads import arrow_read
from attain.store.repositories import SqlCalendars


def _day(value: date) -> str:
    return f"'{date.isoformat(value)}'"


def _owners(column: str, owners: tuple[int, ...] | None) -> list[str]:
    if owners is None:
        return []
    if not owners:
        return ["1 = 0"]
    return [f"{column} IN ({', '.join(str(int(o)) for o in owners)})"]


def _where(conditions: list[str]) -> str:
    return (" WHERE " + " AND ".join(f"({c})" for c in conditions)) if conditions else ""


class SqlFactReader:
    """The FactReader port over one session."""

    def __init__(self, session: Session) -> None:
        self._s = session

    @property
    def _dialect(self) -> str:
        return self._s.get_bind().dialect.name

    def calendar(self) -> CalendarInfo | None:
        return SqlCalendars(self._s).default()

    def _frame(self, sql: str, schema: frames.Schema) -> pl.DataFrame:
        raw: Any = self._s.connection().connection.driver_connection
        if self._dialect == "postgresql":
            # Dates travel as day numbers: formatting them as text is a third of PostgreSQL's COPY time.
            names = list(schema)
            outer = ", ".join(f"({c} - DATE '1970-01-01')" if schema[c] == pl.Date() else c for c in names)
            sql = f"SELECT {outer} FROM ({sql}) AS q({', '.join(names)})"  # noqa: S608 (names are ours)
            buffer = io.BytesIO()
            with raw.cursor() as cur, cur.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
            if buffer.tell() == 0:
                return frames.empty(schema)
            buffer.seek(0)
            wire = {c: (pl.Int32() if t == pl.Date() else t) for c, t in schema.items()}
            frame = pl.read_csv(buffer, has_header=False, new_columns=names, schema=wire)
            return frame.with_columns([pl.col(c).cast(pl.Date) for c, t in schema.items() if t == pl.Date()])
        cursor = raw.cursor()
        try:
            cursor.execute(sql)
            rows = cursor.fetchall()
        finally:
            cursor.close()
        # SQLite keeps dates as ISO text; they are parsed column-wise once the frame is built.
        loose = {c: (pl.Utf8() if t == pl.Date() else t) for c, t in schema.items()}
        frame = pl.DataFrame(rows, schema=loose, orient="row")
        return frame.with_columns(
            [pl.col(c).str.slice(0, 10).str.to_date("%Y-%m-%d") for c, t in schema.items() if t == pl.Date()]
        )

    def _bulk_frame(self, sql: str, schema: frames.Schema, scope: FactScope) -> pl.DataFrame:
        """`_frame` for a read that may cover the whole company: through Arrow unless scoped to owners."""
        if scope.owners is not None:
            return self._frame(sql, schema)
        search_path = None
        if self._dialect == "postgresql":
            search_path = str(self._s.execute(text("SELECT current_setting('search_path')")).scalar_one())
        text_columns = [c for c, t in schema.items() if t != pl.Date() and not t.is_numeric()]
        dates = [c for c, t in schema.items() if t == pl.Date()]
        if self._dialect == "sqlite":
            text_columns += dates  # SQLite keeps dates as ISO text
        frame = arrow_read(self._s.get_bind().engine.url, search_path, sql, text_columns, list(schema))
        if frame is None:
            return self._frame(sql, schema)
        parsed = [
            pl.col(c).str.slice(0, 10).str.to_date("%Y-%m-%d") for c in dates if frame.schema[c] == pl.Utf8()
        ]
        return frame.with_columns(parsed) if parsed else frame

    def opportunities(self, scope: FactScope) -> pl.DataFrame:
        cond = _owners("owner_id", scope.owners)
        if scope.end is not None:
            cond.append(f"created_on IS NULL OR created_on < {_day(scope.end)}")
        if scope.start is not None:
            cond.append(f"close_on IS NULL OR status = 'open' OR close_on >= {_day(scope.start)}")
        # Identifiers and stage names are text the figures never use; reading them costs a third of the time.
        ext, stage = ("external_id", "stage") if scope.detail is Detail.ROWS else ("NULL", "NULL")
        return self._bulk_frame(
            f"SELECT id, {ext}, owner_id, account_id, product_id, {stage}, status, amount, currency, "  # noqa: S608 (only typed ints and dates are spliced in)
            f"created_on, close_on FROM opportunities{_where(cond)}",
            frames.OPPORTUNITIES,
            scope,
        )

    def orders(self, scope: FactScope) -> pl.DataFrame:
        cond = _owners("owner_id", scope.owners)
        if scope.start is not None:
            cond.append(f"booked_on >= {_day(scope.start)}")
        if scope.end is not None:
            cond.append(f"booked_on < {_day(scope.end)}")
        ext = "external_id" if scope.detail is Detail.ROWS else "NULL"
        return self._bulk_frame(
            f"SELECT id, {ext}, owner_id, account_id, product_id, opportunity_id, booked_on, amount, "  # noqa: S608 (only typed ints and dates are spliced in)
            f"currency, kind FROM orders{_where(cond)}",
            frames.ORDERS,
            scope,
        )

    def stage_history(self, scope: FactScope) -> pl.DataFrame:
        cond = _owners("o.owner_id", scope.owners)
        if scope.start is not None:
            cond.append(f"o.created_on >= {_day(scope.start)}")
        if scope.end is not None:
            cond.append(f"o.created_on < {_day(scope.end)}")
        # Only the order of entries matters to the funnel, so the timestamp travels as its text.
        stamp = (
            "to_char(s.entered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
            if self._dialect == "postgresql"
            else "s.entered_at"
        )
        frame = self._frame(
            f"SELECT s.opportunity_id, s.stage, {stamp} FROM opportunity_stages s "  # noqa: S608 (only typed ints and dates are spliced in)
            f"JOIN opportunities o ON o.id = s.opportunity_id{_where(cond)}",
            {"opportunity_id": pl.Int64(), "stage": pl.Utf8(), "entered_at": pl.Utf8()},
        )
        return frame.with_columns(
            pl.col("entered_at")
            .str.slice(0, 26)
            .str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", time_zone="UTC", strict=False)
        )

    def costs(self, scope: FactScope) -> pl.DataFrame:
        cond = []
        if scope.start is not None:
            cond.append(f"p.end_on > {_day(scope.start)}")
        if scope.end is not None:
            cond.append(f"p.start_on < {_day(scope.end)}")
        return self._frame(
            "SELECT c.id, c.external_id, p.start_on, p.end_on, c.category, c.amount, c.currency "  # noqa: S608 (only typed ints and dates are spliced in)
            f"FROM costs c JOIN periods p ON p.id = c.period_id{_where(cond)}",
            frames.COSTS,
        )

    def data_version(self) -> str:
        bind = self._s.get_bind()
        where = "current_schema()" if self._dialect == "postgresql" else "''"
        row = self._s.execute(
            text(f"SELECT {where}, count(*), max(id), max(finished_at) FROM import_batches")  # noqa: S608 (fixed text)
        ).one()
        return f"{bind.engine.url.render_as_string(hide_password=True)}|{row[0]}|{row[1]}|{row[2]}|{row[3]}"

    def daily_totals(self, source: str, scope: FactScope) -> pl.DataFrame:
        table, day, extra = {
            "orders": ("orders", "booked_on", []),
            "won": ("opportunities", "close_on", ["status = 'won'"]),
        }[source]
        cond = [*extra, *_owners("owner_id", scope.owners)]
        if scope.start is not None:
            cond.append(f"{day} >= {_day(scope.start)}")
        if scope.end is not None:
            cond.append(f"{day} < {_day(scope.end)}")
        return self._frame(
            f"SELECT {day}, currency, SUM(amount), COUNT(*) FROM {table}{_where(cond)} "  # noqa: S608 (typed values only)
            f"GROUP BY {day}, currency",
            frames.DAILY,
        )

    def first_purchases(self) -> pl.DataFrame:
        return self._frame(
            "SELECT account_id, MIN(booked_on) FROM orders WHERE amount > 0 AND account_id IS NOT NULL "
            "GROUP BY account_id",
            frames.FIRST_PURCHASES,
        )

    def exchange_rates(self) -> pl.DataFrame:
        return self._frame(
            "SELECT from_currency, to_currency, valid_on, CAST(rate AS TEXT) FROM exchange_rates",
            frames.RATES,
        )

    def assignments(self) -> pl.DataFrame:
        return self._frame(
            "SELECT person_id, role, team_id, manager_id, territory_id, valid_from, valid_to "
            "FROM assignments",
            frames.ASSIGNMENTS,
        )

    def people(self) -> pl.DataFrame:
        return self._frame("SELECT id, external_id, name FROM people", frames.PEOPLE)

    def teams(self) -> pl.DataFrame:
        return self._frame("SELECT id, external_id, name, parent_id, region FROM teams", frames.TEAMS)

    def territories(self) -> pl.DataFrame:
        return self._frame(
            "SELECT id, external_id, name, region, potential, currency FROM territories", frames.TERRITORIES
        )

    def accounts(self) -> pl.DataFrame:
        return self._frame(
            "SELECT id, external_id, name, segment, industry, region, country FROM accounts", frames.ACCOUNTS
        )

    def products(self) -> pl.DataFrame:
        return self._frame("SELECT id, external_id, name, family FROM products", frames.PRODUCTS)
