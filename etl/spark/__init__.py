"""The warehouse on Apache Spark, behind the optional extra: pip install 'cityscapes-warehouse[spark]'.

`register(spark, path)` puts a built warehouse's tables and views in a SparkSession.
"""

import warnings

# pyspark 4 warns, on import and at each Arrow task, that it "does not yet fully support pandas >=
# 3.0.0". This package hands data to and from Spark as Arrow (mapInArrow, Parquet), never as pandas,
# so the warning is about nothing it does; a Spark build printed it twice among its output.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

from .register import register, table_location  # noqa: E402  (after the filter: it imports pyspark)

__all__ = ["register", "table_location"]
