"""Every view on Spark (sql/ translated by cityscapes_warehouse.spark) equals the same view on DuckDB."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from cityscapes_warehouse.resources import sql_files
from cityscapes_warehouse.schemas import TABLES

VIEWS = [path.stem for path in sql_files()]
# Views added after the Spark port that do not yet give DuckDB's rows on Spark; each is a known gap
# (issue 15), listed here so that it is never silently skipped and is removed once it is portable.
NOT_YET_EQUAL_ON_SPARK: dict[str, str] = {}
COMPARED_VIEWS = [view for view in VIEWS if view not in NOT_YET_EQUAL_ON_SPARK]


@pytest.fixture(scope="module")
def replica_warehouse(small_replica_with_label_pngs, tmp_path_factory):
    """The small replica built by DuckDB with the pixel stage and its label PNGs compared (one is
    tampered with), so that every view and table has rows."""
    from cityscapes_warehouse import Warehouse

    out = tmp_path_factory.mktemp("duck") / "wh"
    wh, _ = Warehouse.build(small_replica_with_label_pngs, out, check_label_pngs=True)
    return wh


@pytest.fixture(scope="module")
def registered(spark, replica_warehouse):
    from cityscapes_warehouse.spark import register

    return register(spark, replica_warehouse.path)


def spark_rows(spark, sql: str) -> list[tuple]:
    return sorted((plain(tuple(row)) for row in spark.sql(sql).collect()), key=sort_key)


def duckdb_rows(wh, sql: str) -> list[tuple]:
    con = wh.connect()
    try:
        return sorted((plain(row) for row in con.execute(sql).fetchall()), key=sort_key)
    finally:
        con.close()


def plain(value):
    """Spark's Rows, bytearrays and lists as DuckDB's Python values (tuples, bytes, dicts)."""
    if hasattr(value, "asDict"):
        return {k: plain(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(plain(v) for v in value)
    if isinstance(value, bytearray):
        return bytes(value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        # DuckDB gives a TIMESTAMPTZ as an aware datetime, Spark as a naive one in UTC (the machine's zone)
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def sort_key(row: tuple) -> tuple:
    return tuple((v is None, repr(v)) for v in row)


def test_register_names_every_table_and_view(registered):
    assert registered == [*TABLES, *VIEWS]


def test_the_views_not_yet_equal_on_spark_exist():
    assert set(NOT_YET_EQUAL_ON_SPARK) <= set(VIEWS)


@pytest.mark.parametrize("view", COMPARED_VIEWS)
def test_view_on_spark_equals_view_on_duckdb(spark, registered, replica_warehouse, view):
    duck = duckdb_rows(replica_warehouse, f"select * from {view}")
    assert duck, f"{view} is empty on the replica: the comparison would prove nothing"
    assert spark.table(view).columns == replica_warehouse.query(f"select * from {view} limit 0").columns
    got = spark_rows(spark, f"select * from {view}")
    assert len(got) == len(duck)
    for spark_row, duck_row in zip(got, duck, strict=True):
        assert spark_row == duck_row, f"{view}: Spark {spark_row} != DuckDB {duck_row}"


@pytest.mark.parametrize("table", TABLES)
def test_table_read_by_spark_equals_duckdb(spark, registered, replica_warehouse, table):
    duck = duckdb_rows(replica_warehouse, f'select * from "{table}"')
    assert duck
    assert spark_rows(spark, f"select * from {table}") == duck


def test_rounding_ties_agree(spark, registered):
    """Ties and near-ties the views meet (x.5 after scaling, decimals a double cannot hold exactly)."""
    values = [0.005, 0.015, 0.125, 1.125, 2.675, 0.00035, 12345 / 100000, 2.5, 3.5, 1 / 3]
    sql = "select x, round_even(x * 100, 0) / 100 as even, round(x * 10000, 0) / 10000 as up from t"
    duck = duckdb_values(sql, values)
    from cityscapes_warehouse.spark.dialect import spark_view_sql

    spark.createDataFrame([(v,) for v in values], "x double").createOrReplaceTempView("t")
    spark.sql(spark_view_sql(f"create or replace view rounded as {sql}"))
    got = sorted(tuple(r) for r in spark.table("rounded").collect())
    assert got == duck and not any(math.isnan(v) for row in got for v in row)


def duckdb_values(sql: str, values: list[float]) -> list[tuple]:
    import duckdb

    con = duckdb.connect()
    con.execute("create table t (x double)")
    con.executemany("insert into t values (?)", [(v,) for v in values])
    return sorted(con.execute(sql).fetchall())
