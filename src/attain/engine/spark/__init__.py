"""The Spark backend: the fast engine's generated program run on Spark SQL (transpiled by sqlglot).

Needs the optional `spark` dependencies (`pip install 'attain[spark]'`) and Java 17.
"""

from attain.engine.spark.backend import SparkWorkspace, evaluate_spark, run_period_spark
from attain.engine.spark.session import SparkSettings, java_missing, spark_session

__all__ = [
    "SparkSettings",
    "SparkWorkspace",
    "evaluate_spark",
    "java_missing",
    "run_period_spark",
    "spark_session",
]
