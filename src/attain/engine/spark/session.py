"""The SparkSession the Spark backend runs on: a master URL (local[2] by default) and Java on the PATH.

Starting Spark costs 4-5 s, so a process keeps one session and every run reuses it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import dataclass, field

from pyspark.sql import SparkSession

from attain.domain.errors import InvalidInput

DEFAULT_MASTER = "local[2]"
MASTER_VARIABLE = "ATTAIN_SPARK_MASTER"
_LOCAL = re.compile(r"^local(?:\[(\*|\d+)(?:\s*,\s*\d+)?\])?$")
# Shuffle partitions per local core: Spark's default of 200 makes every stage of the program 200 tasks,
# which on a few cores costs far more than the work itself (docs/spark.md, "Performance").
PARTITIONS_PER_CORE = 2


@dataclass(frozen=True)
class SparkSettings:
    """Where Spark runs and any extra configuration (`spark.*` keys), e.g. the driver's memory."""

    master: str = DEFAULT_MASTER
    config: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls) -> SparkSettings:
        """The master URL from ATTAIN_SPARK_MASTER (local[2] when unset)."""
        return cls(master=os.environ.get(MASTER_VARIABLE) or DEFAULT_MASTER)


def local_cores(master: str) -> int | None:
    """The cores of a local master (`local`, `local[4]`, `local[*]`, `local[4, 2]`), None for a cluster."""
    m = _LOCAL.match(master.strip())
    if m is None:
        return None
    given = m.group(1)
    if given is None:
        return 1
    return (os.cpu_count() or 1) if given == "*" else int(given)


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
        # Adaptive execution coalesces small shuffle partitions and picks broadcast joins from the
        # sizes it sees; cached tables (every table of the program) may be coalesced too.
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.adaptive.coalescePartitions.enabled", "true")
        .config("spark.sql.optimizer.canChangeCachedPlanOutputPartitioning", "true")
        # Python functions (conditions with a division) run in worker processes: they must start the
        # interpreter that has attain installed, not whatever `python3` is first on PATH.
        .config("spark.pyspark.python", sys.executable)
        .config("spark.pyspark.driver.python", sys.executable)
    )
    cores = local_cores(settings.master)
    if cores is not None:
        partitions = str(PARTITIONS_PER_CORE * cores)
        builder = builder.config("spark.sql.shuffle.partitions", partitions)
        builder = builder.config("spark.default.parallelism", partitions)
    for key, value in settings.config.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
