"""The SparkSession the Spark backend runs on: a master URL (local[2] by default) and Java on the PATH.

Starting Spark costs 4-5 s, so a process keeps one session and every run reuses it.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from attain.domain.errors import InvalidInput

DEFAULT_MASTER = "local[2]"
MASTER_VARIABLE = "ATTAIN_SPARK_MASTER"


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs and any extra configuration (`spark.*` keys), e.g. the driver's memory."""

    master: str = DEFAULT_MASTER
    config: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> SparkSettings:
        """The master URL from ATTAIN_SPARK_MASTER (local[2] when unset)."""
        return cls(master=os.environ.get(MASTER_VARIABLE) or DEFAULT_MASTER)


def java_missing() -> str | None:
    """Why Spark cannot start here, or None when Java is found."""
    if os.environ.get("JAVA_HOME") or shutil.which("java"):
        return None
    return "Spark needs Java 17 or newer: install a JDK or set JAVA_HOME"


def spark_session(settings: SparkSettings | None = None) -> SparkSession:
    """The process's SparkSession for `settings` (created on first use, then shared)."""
    settings = settings or SparkSettings.from_environment()
    reason = java_missing()
    if reason is not None:
        raise InvalidInput(reason, hint="or run with --engine fast")
    # An in-process driver takes its workers' interpreter from PYSPARK_PYTHON alone (the
    # spark.pyspark.python setting below only reaches spark-submit): without it, workers start the
    # first `python3` on PATH, which need not have attain installed, and every Python function fails.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(settings.master)
        .appName("attain")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # Money sums overflow loudly rather than wrap (Spark's ANSI mode, the default from 4.0).
        .config("spark.sql.ansi.enabled", "true")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # Python functions (conditions with a division) run in worker processes: they must start the
        # interpreter that has attain installed, not whatever `python3` is first on PATH.
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
    )
    for key, value in settings.config.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
