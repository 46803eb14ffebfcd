"""The Spark audit (Spark SQL, one aggregate query per suite) gives the DuckDB engine's verdicts,
expectation for expectation: on a small replica as built, and on copies broken one rule at a time
(the mutations of test_audit_engine, each of which breaks a different integrity expectation)."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest
from test_audit_engine import MUTATIONS, broken_copy

from cityscapes_warehouse.checks import required_suite_names
from cityscapes_warehouse.checks.duckdb_engine import validate_in_duckdb
from cityscapes_warehouse.checks.suites import load_suites
from cityscapes_warehouse.schemas import TABLES

# what the Spark audit cannot see: it creates the views itself, from sql/, over the tables
VIEW_MUTATIONS = ("a foreign key left unchecked",)
TABLE_MUTATIONS = [name for name in MUTATIONS if name not in VIEW_MUTATIONS]


def as_parquet_warehouse(database_folder: Path, out: Path) -> Path:
    """The tables of a (broken) warehouse.duckdb as the Parquet folders Spark reads."""
    con = duckdb.connect(str(database_folder / "warehouse.duckdb"), read_only=True)
    try:
        for table in TABLES:
            folder = out / "tables" / table
            folder.mkdir(parents=True)
            con.execute(f"copy (select * from \"{table}\") to '{folder / 'part-0.parquet'}' (format parquet)")
    finally:
        con.close()
    return out


def verdicts_of_both(spark, database_folder: Path, tmp_path: Path) -> tuple[list, list]:
    """(suite, passed, observed count) per required expectation, in suite order, from each engine."""
    from cityscapes_warehouse.spark import register
    from cityscapes_warehouse.spark.audit import audit_in_spark

    duck = validate_in_duckdb(database_folder / "warehouse.duckdb", required_suite_names())
    register(spark, as_parquet_warehouse(database_folder, tmp_path / "parquet"))
    ours = audit_in_spark(spark)
    return (
        [(r.suite, r.success, _count(r.observed)) for r in duck.results],
        [(c.suite, c.success, _count(c.observed)) for c in ours.results],
    )


def _count(observed) -> int | None:
    # counts and sums compare as numbers; lists of most common values, errors' texts do not
    return int(observed) if isinstance(observed, int | float) and not isinstance(observed, bool) else None


def test_spark_audit_agrees_with_duckdb_on_a_warehouse_as_built(spark, small_warehouse, tmp_path):
    folder = tmp_path / "as-built"
    folder.mkdir()
    shutil.copy(small_warehouse / "warehouse.duckdb", folder / "warehouse.duckdb")
    duck, ours = verdicts_of_both(spark, folder, tmp_path)
    assert ours == duck
    required = load_suites(required_suite_names(), check_with_gx=False)
    assert len(ours) == sum(len(suite.expectations) for suite in required) > 0
    assert all(passed for _, passed, _ in ours)


@pytest.mark.parametrize("mutation", TABLE_MUTATIONS)
def test_spark_audit_agrees_with_duckdb_on_a_broken_warehouse(spark, small_warehouse, tmp_path, mutation):
    statements, (suite, _, _) = MUTATIONS[mutation]
    duck, ours = verdicts_of_both(spark, broken_copy(small_warehouse, tmp_path / "broken", statements), tmp_path)
    assert [(name, passed) for name, passed, _ in ours] == [(name, passed) for name, passed, _ in duck]
    # the same counts, but where the DuckDB engine stops with an error as GX does (a null where the
    # pair expectation compares: "null x_max"); Spark counts that row among those breaking the rule
    assert [o for o, (_, _, d) in zip(ours, duck, strict=True) if d is not None] == [
        d for d in duck if d[2] is not None
    ]
    assert any(name == suite and not passed for name, passed, _ in ours)
