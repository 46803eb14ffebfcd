"""A built warehouse in a SparkSession: every table read from its Parquet folder, every view created.

The warehouse may be on a local disk or anywhere Spark reads (hdfs://, s3a://, dbfs:/): paths are
joined as text, never resolved locally.
"""

from __future__ import annotations

from pathlib import Path

from ..layout import TABLES_DIR
from ..resources import sql_files
from ..schemas import TABLES
from .dialect import spark_view_sql


def table_location(warehouse: str | Path, table: str) -> str:
    """Where a table's Parquet files lie: WH/tables/<table>/ (one or more *.parquet files)."""
    return f"{str(warehouse).rstrip('/')}/{TABLES_DIR}/{table}"


def register(spark, warehouse: str | Path) -> list[str]:
    """Every table (a temporary view over its Parquet files) and every view of `warehouse` in `spark`.

    Returns the names registered, tables first. The views are the ones in sql/, translated by
    dialect.py; they are temporary views of this session and replace earlier ones of the same name.
    """
    for table in TABLES:
        spark.read.parquet(table_location(warehouse, table)).createOrReplaceTempView(table)
    views = []
    for path in sql_files():
        spark.sql(spark_view_sql(path.read_text(), path.name))
        views.append(path.stem)
    return [*TABLES, *views]
