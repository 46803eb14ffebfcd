"""The views' DuckDB SQL translated to Spark SQL (no Spark needed: sqlglot only)."""

from __future__ import annotations

import pytest

from cityscapes_warehouse.resources import sql_files

pytest.importorskip("sqlglot", reason="the [spark] extra is not installed")

from cityscapes_warehouse.spark.dialect import PortabilityError, spark_view_sql  # noqa: E402


@pytest.mark.parametrize("path", sql_files(), ids=lambda p: p.name)
def test_every_view_translates_to_a_temporary_spark_view(path):
    sql = spark_view_sql(path.read_text(), path.name)
    assert f"CREATE OR REPLACE TEMPORARY VIEW {path.stem} AS" in sql
    assert "ROUND_EVEN" not in sql.upper()


def test_round_even_becomes_bround():
    sql = spark_view_sql("create or replace view v as select round_even(x * 100, 0) / 100 as r from t")
    assert "BROUND(x * 100, 0) / 100" in sql


def test_string_agg_with_order_becomes_listagg_within_group():
    sql = spark_view_sql("create or replace view v as select string_agg(distinct s, ',' order by s) as a from t")
    assert "LISTAGG(DISTINCT s, ',') WITHIN GROUP (ORDER BY s" in sql


def test_unnest_range_becomes_explode_sequence():
    sql = spark_view_sql("create or replace view v as select unnest(range(0, 3)) as k")
    assert "EXPLODE(" in sql and "SEQUENCE(0" in sql


def test_list_in_order_becomes_a_sorted_collect_list():
    sql = spark_view_sql("create or replace view v as select k, list(x order by r, s) as a from t group by k")
    assert "TRANSFORM(ARRAY_SORT(COLLECT_LIST(STRUCT(r AS k0, s AS k1, x AS value))), e -> e.value)" in sql


def test_list_in_descending_order_is_refused():
    with pytest.raises(PortabilityError, match="v.sql: .* orders a list descending"):
        spark_view_sql("create or replace view v as select list(x order by r desc) as a from t", "v.sql")


@pytest.mark.parametrize("call", ["round(x, 4)", "round_even(x, 2)", "round(x, n)"])
def test_rounding_to_decimals_is_refused_with_the_rewrite(call):
    with pytest.raises(PortabilityError, match=r"v.sql: .* \* 10\^n, 0\) / 10\^n"):
        spark_view_sql(f"create or replace view v as select {call} as r from t", "v.sql")


def test_a_file_that_is_not_one_view_is_refused():
    with pytest.raises(PortabilityError, match="expected one `create or replace view`"):
        spark_view_sql("select 1", "x.sql")
