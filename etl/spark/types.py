"""The warehouse's table schemas (schemas.py) as Spark types, for both Spark writers (tasks and the driver)."""

from __future__ import annotations

from ..schemas import TABLES


def spark_schema(table: str):
    """The table's schema as Spark's StructType."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(TABLES[table])
