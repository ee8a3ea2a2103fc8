"""Running a period on Spark: the fast engine's `PeriodRun` with its workspace on a SparkSession.

The program, the per-payee steps and the explanations are the fast engine's own; only where the SQL runs
changes, so the results are the embedded engine's to the cent (tests/spark/ proves it).
"""

from __future__ import annotations

from typing import cast

import duckdb
from pyspark.sql import SparkSession

from attain.domain.calendar import Period
from attain.engine.inputs import CalculationInput
from attain.engine.relational.engine import PeriodRun
from attain.engine.relational.facts import FactTables
from attain.engine.relational.workspace import Workspace
from attain.engine.results import PayeeResult
from attain.engine.spark.connection import SparkConnection
from attain.engine.spark.session import SparkSettings, spark_session


class SparkWorkspace(Workspace):
    """A workspace whose connection runs statements on Spark; reusable across runs of one session."""

    credits_as_views = False  # Spark keeps each computed table as a checkpoint (see connection.py)

    def __init__(self, spark: SparkSession | None = None) -> None:  # no DuckDB connection is opened
        self.spark = spark or spark_session()
        self.connection = SparkConnection(self.spark)
        self.con = cast(duckdb.DuckDBPyConnection, self.connection)

    def close(self) -> None:
        self.connection.close()


def run_period_spark(facts: FactTables, period: Period, workspace: SparkWorkspace | None = None) -> PeriodRun:
    """Calculate `period` for every payee on Spark; read the outcome as from `run_period`."""
    return PeriodRun(facts, period, workspace or SparkWorkspace())


def evaluate_spark(
    inp: CalculationInput, period: Period, settings: SparkSettings | None = None
) -> list[PayeeResult]:
    """The Spark backend's `evaluate`: exactly the reference evaluator's rows, in its order."""
    workspace = SparkWorkspace(spark_session(settings))
    try:
        return run_period_spark(FactTables.from_input(inp), period, workspace).results()
    finally:
        workspace.close()
