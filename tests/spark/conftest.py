"""One SparkSession (local[2]) for every Spark test; the tests skip with the reason when Java or PySpark is
missing."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("PySpark is not installed: pip install -e '.[spark]'")
    from attain.engine.spark import SparkSettings, java_missing, spark_session  # noqa: PLC0415

    reason = java_missing()
    if reason is not None:
        pytest.skip(reason)
    # Test data is a few dozen rows: one shuffle partition per core keeps each statement fast (the
    # session's own default is two per local core, docs/spark.md).
    session = spark_session(
        SparkSettings(config={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    )
    yield session
    session.stop()
