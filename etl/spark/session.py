"""The SparkSession a command runs in: the one spark-submit or a notebook made, else a local one."""

from __future__ import annotations

import os
import sys
from pathlib import Path

LOG4J2_CONFIG = Path(__file__).with_name("log4j2.properties")

LOCAL_CONFIG = {
    "spark.ui.enabled": "false",
    # the command prints its own progress, and none with --quiet: Spark's stage bars on stderr were
    # mixed into it
    "spark.ui.showConsoleProgress": "false",
    # Spark's log4j banner and start-up WARN lines come from the driver's JVM, which spark-submit starts
    # before any session: only a system property of that JVM keeps them off stderr. The default (not
    # the extra) options, so that a user's spark.driver.extraJavaOptions, read after them, still win.
    "spark.driver.defaultJavaOptions": f"-Dlog4j2.configurationFile={LOG4J2_CONFIG.as_uri()}",
    # Spark's WARN lines (a truncated plan's text, the native Hadoop library missing) are about Spark,
    # not the data, and buried the build's own output; errors still show
    "spark.log.level": "ERROR",
    "spark.sql.session.timeZone": "UTC",
    # Arrow batches between the JVM and the Python workers that parse and measure
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}


def spark_session(master: str | None = None, app_name: str = "cityscapes-warehouse"):
    """The active session if there is one (spark-submit, Databricks), else a new one.

    A new session runs on `master`, or on the master spark-submit configured, or on local[*].
    """
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    # the Python workers must import this package: on one machine, the interpreter running this
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name)
    if master or not SparkConf().contains("spark.master"):
        builder = builder.master(master or "local[*]")
    for key, value in LOCAL_CONFIG.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
