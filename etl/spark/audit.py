"""The audit of a Spark build in Spark SQL: the required suites, one query per expectation.

The expectations mean what checks/duckdb_engine.py runs for a DuckDB build (and GX for
`validate`): per-row rules skip nulls except not_null, unique counts every row whose value occurs
twice or more, a pair with one side null fails. The queries are written in DuckDB's dialect, as
everything in sql/, and translated by sqlglot. A failure names the suite, the expectation and the
rows breaking it; examples are left to `validate`, which runs GX on the published warehouse.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlglot

from ..audit import AuditError, failure_lines
from ..checks.duckdb_engine import condition_sql
from ..checks.expectation_types import SUPPORTED
from ..checks.runner import quote
from ..checks.suites import Suite, SuiteError, expectation_label, load_suites


@dataclass(frozen=True)
class SparkCheck:
    suite: str
    purpose: str
    expectation: str  # file, index and type, as duckdb_engine names it
    observed: object
    success: bool


def audit_in_spark(spark, expect_published: bool = False) -> SparkAudit:
    """Every required suite (and the published ones when expected) on the session's tables and views."""
    suites = [
        s for s in load_suites(check_with_gx=False) if s.required or (expect_published and s.purpose == "published")
    ]
    return SparkAudit([_check(spark, s, index, item) for s in suites for index, item in enumerate(s.expectations)])


def _check(spark, suite: Suite, index: int, item: dict) -> SparkCheck:
    kind, kwargs, label = item["type"], item["kwargs"], expectation_label(suite.path, index, item)
    if kind not in SUPPORTED:
        raise SuiteError(f"{label}: the Spark audit does not run this type; it runs {', '.join(SUPPORTED)}")
    sql, params = _query(suite.table, kind, kwargs, label)
    spark_sql = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    observed = spark.sql(spark_sql, args=params).collect()[0][0] if params else spark.sql(spark_sql).collect()[0][0]
    return SparkCheck(suite.name, suite.purpose, label, observed, _passes(kind, kwargs, observed))


def _query(table: str, kind: str, kwargs: dict, label: str) -> tuple[str, list]:
    where, params = condition_sql(kwargs.get("row_condition"), label)
    frame = f"{quote(table)} where {where}"
    column = quote(kwargs.get("column", ""))
    values = kwargs.get("value_set", [])
    in_set = f"({', '.join('?' for _ in values)})" if values else "(null)"
    if kind == "expect_column_values_to_be_in_set":
        return f"select count(*) from {frame} and {column} is not null and {column} not in {in_set}", params + values
    if kind == "expect_column_values_to_not_be_in_set":
        return f"select count(*) from {frame} and {column} in {in_set}", params + values
    if kind == "expect_column_values_to_be_between":
        return f"select count(*) from {frame} and {column} is not null and not ({_within(column, kwargs)})", params
    if kind == "expect_column_values_to_not_be_null":
        return f"select count(*) from {frame} and {column} is null", params
    if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        columns = [quote(c) for c in kwargs.get("column_list", [kwargs.get("column")])]
        some = " or ".join(f"{c} is not null" for c in columns)
        grouped = f"select count(*) as n from {frame} and ({some}) group by {', '.join(columns)} having count(*) > 1"
        return f"select coalesce(sum(n), 0) from ({grouped}) as duplicated", params
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = quote(kwargs["column_A"]), quote(kwargs["column_B"])
        greater = f"{a} >= {b}" if kwargs.get("or_equal") else f"{a} > {b}"
        return (
            f"select count(*) from {frame} and not ({a} is null and {b} is null) and not coalesce({greater}, false)",
            (params),
        )
    if kind == "expect_column_sum_to_be_between":
        return f"select coalesce(sum({column}), 0) from {frame}", params
    if kind.startswith("expect_table_row_count"):
        return f"select count(*) from {frame}", params
    if kind == "expect_column_most_common_value_to_be_in_set":
        counts = f"select {column} as value, count(*) as n from {frame} and {column} is not null group by {column}"
        return (
            f"select list(value order by value) from ({counts}) as c where n = (select max(n) from ({counts}) as m)",
            (params + params),
        )
    raise SuiteError(f"{label}: the Spark audit does not run {kind}")


def _within(column: str, kwargs: dict) -> str:
    parts = []
    if kwargs.get("min_value") is not None:
        parts.append(f"{column} {'>' if kwargs.get('strict_min') else '>='} {kwargs['min_value']!r}")
    if kwargs.get("max_value") is not None:
        parts.append(f"{column} {'<' if kwargs.get('strict_max') else '<='} {kwargs['max_value']!r}")
    return " and ".join(parts) or "true"


def _passes(kind: str, kwargs: dict, observed) -> bool:
    if kind == "expect_table_row_count_to_equal":
        return observed == kwargs["value"]
    if kind in ("expect_column_sum_to_be_between", "expect_table_row_count_to_be_between"):
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        return (low is None or observed >= low) and (high is None or observed <= high)
    if kind == "expect_column_most_common_value_to_be_in_set":
        modes = list(observed or [])
        allowed = set(kwargs["value_set"])
        return bool(modes) and (
            all(m in allowed for m in modes) if kwargs.get("ties_okay") else len(modes) == 1 and modes[0] in allowed
        )
    return observed == 0


@dataclass
class SparkAudit:
    """What print_summary reads of a ValidationReport: the results, each with its suite's purpose."""

    results: list[SparkCheck]

    def failures(self) -> list[SparkCheck]:
        return [r for r in self.results if not r.success]


class SparkAuditError(AuditError):
    """The staged warehouse failed a required check in Spark SQL; nothing was published."""

    def __init__(self, report: SparkAudit):
        self.report, self.blocking = report, report.failures()
        lines = failure_lines([f"{r.expectation}: observed {r.observed}" for r in report.failures()])
        Exception.__init__(
            self, f"{len(report.failures())} check(s) failed, so the warehouse was not published:\n{lines}"
        )
