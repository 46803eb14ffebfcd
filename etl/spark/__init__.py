"""The warehouse on Apache Spark, behind the optional extra: pip install 'cityscapes-warehouse[spark]'.

`register(spark, path)` puts a built warehouse's tables and views in a SparkSession.
"""

from .register import register, table_location

__all__ = ["register", "table_location"]
