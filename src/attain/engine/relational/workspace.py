"""Where a run's program executes: an in-process DuckDB with the engine's settings, a spill folder, and the
table of per-credit lines, kept in memory or, for runs too large for memory, as Parquet files on disk.

A period of 100 M orders makes some 450 M lines. Kept in a DuckDB table they far outgrow any memory limit, so
DuckDB spills them to its temporary folder uncompressed and reads them back block by block (31 GB for one
100 M-order quarter of the open benchmark). With `lines_on_disk`, each statement that makes lines writes them
straight to a Parquet file in the workspace's folder instead (snappy; zstd made a 10 M-order run 8% slower
for smaller files), and `lines` is a view over those files: the same rows for every later read (totals,
per-order limits, explanations), written once, never held in memory.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb

# The lines table: small codes in small integers (10 M orders make 33 M lines).
LINE_COLUMNS = (
    ("payee", "INTEGER"),
    ("pno", "SMALLINT"),
    ("comp", "SMALLINT"),
    ("kind", "TINYINT"),
    ("early", "BOOLEAN"),
    ("amount", "BIGINT"),
    ("day", "DATE"),
    ("ono", "BIGINT"),
    ("role", "TINYINT"),
    ("level", "SMALLINT"),
    ("seq", "INTEGER"),
    ("tie", "INTEGER"),
    ("share_src", "INTEGER"),
    ("basis", "BIGINT"),
    ("tier", "SMALLINT"),
    ("rate_id", "INTEGER"),
)
INSERT = "INSERT INTO lines "


class Workspace:
    """An in-process DuckDB with the engine's settings and a spill folder; a what-if keeps one across
    estimates. `lines_on_disk` keeps the lines as Parquet files in the spill folder (see the module)."""

    lines_on_disk = False  # a subclass running elsewhere (Spark) keeps its own lines table
    # A plan's credits that at most two statements read stay a view (plan_run.PlanRun.execute): on DuckDB
    # that beats building a table (10 M orders: 6.7-7.0 s against 8.0-8.4 s). Spark caches tables instead.
    credits_as_views = True

    def __init__(self, memory_limit: str = "3GB", threads: int = 0, lines_on_disk: bool = False) -> None:
        self.con = duckdb.connect()
        self._spill = tempfile.TemporaryDirectory(prefix="attain-engine-")
        self.con.execute(f"SET memory_limit = '{memory_limit}'")
        self.con.execute(f"SET temp_directory = '{self._spill.name}'")
        self.con.execute("SET preserve_insertion_order = false")
        if threads:
            self.con.execute(f"SET threads = {threads}")
        self.lines_on_disk = lines_on_disk
        self._line_files: list[Path] = []

    def create_lines(self) -> None:
        """An empty lines table (or, on disk, a view over an empty first file)."""
        columns = ", ".join(f"{name} {sql_type}" for name, sql_type in LINE_COLUMNS)
        if not self.lines_on_disk:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE lines ({columns})")
            return
        for path in self._line_files:
            path.unlink(missing_ok=True)
        self._line_files = []
        empty = ", ".join(f"CAST(NULL AS {sql_type}) AS {name}" for name, sql_type in LINE_COLUMNS)
        self._write(f"SELECT {empty} WHERE FALSE")

    def add_lines(self, insert: str) -> None:
        """Run `insert` (INSERT INTO lines SELECT ..., columns in table order)."""
        if not self.lines_on_disk:
            self.con.execute(insert)
            return
        if not insert.startswith(INSERT):  # pragma: no cover - the program writes lines only this way
            raise ValueError(f"not an insert into lines: {insert[:60]}")
        names = ", ".join(name for name, _ in LINE_COLUMNS)
        typed = ", ".join(f"CAST({name} AS {sql_type}) AS {name}" for name, sql_type in LINE_COLUMNS)
        self._write(f"SELECT {typed} FROM ({insert.removeprefix(INSERT)}) AS made({names})")

    def _write(self, select: str) -> None:
        path = Path(self._spill.name) / f"lines-{len(self._line_files)}.parquet"
        self.con.execute(f"COPY ({select}) TO '{path}' (FORMAT parquet, COMPRESSION snappy)")
        self._line_files.append(path)
        files = ", ".join(f"'{p}'" for p in self._line_files)
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW lines AS SELECT * FROM read_parquet([{files}])")

    def close(self) -> None:
        self.con.close()
        self._spill.cleanup()
