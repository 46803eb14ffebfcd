"""The audit of a Spark build in Spark SQL: the required suites, one scan per suite and table.

The expectations mean what checks/duckdb_engine.py runs for a DuckDB build (and GX for
`validate`): per-row rules skip nulls except not_null, unique counts every row whose value occurs
twice or more, a pair with one side null fails. Every expectation that counts rows or sums a column
is one aggregate of a single query per suite (`count_if` of its rule within its row condition);
uniqueness and the most common value group by their columns, each in a query of its own. A query is a
Spark job with a fixed cost: one per expectation, the audit was 72 jobs and about a tenth of a
Spark build. The queries are written in DuckDB's dialect, as everything in sql/, and translated by
sqlglot. A failure names the suite, the expectation and the rows breaking it; examples are left to
`validate`, which runs GX on the published warehouse.
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
    return SparkAudit([check for suite in suites for check in _suite_checks(spark, suite)])


def _suite_checks(spark, suite: Suite) -> list[SparkCheck]:
    """The suite's expectations in order: the aggregating ones from one query, the grouping ones alone."""
    items = [(item, expectation_label(suite.path, index, item)) for index, item in enumerate(suite.expectations)]
    for item, label in items:
        if item["type"] not in SUPPORTED:
            raise SuiteError(f"{label}: the Spark audit does not run this type; it runs {', '.join(SUPPORTED)}")
    aggregated = [index for index, (item, _) in enumerate(items) if item["type"] not in GROUPED]
    aggregates = [
        _aggregate(items[index][0]["type"], items[index][0]["kwargs"], items[index][1]) for index in aggregated
    ]
    observed = dict(zip(aggregated, _one_row(spark, suite.table, aggregates), strict=True))
    for index, (item, label) in enumerate(items):
        if index not in observed:
            observed[index] = _scalar(spark, *_grouped(suite.table, item["type"], item["kwargs"], label))
    return [
        SparkCheck(
            suite.name, suite.purpose, label, observed[index], _passes(item["type"], item["kwargs"], observed[index])
        )
        for index, (item, label) in enumerate(items)
    ]


def _one_row(spark, table: str, aggregates: list[tuple[str, list]]) -> list:
    """Every aggregate over `table` in one query (one scan, one Spark job)."""
    if not aggregates:
        return []
    columns = ", ".join(sql for sql, _ in aggregates)
    return list(
        _scalar_row(spark, f"select {columns} from {quote(table)}", [p for _, params in aggregates for p in params])
    )


def _scalar(spark, sql: str, params: list):
    return _scalar_row(spark, sql, params)[0]


def _scalar_row(spark, sql: str, params: list):
    spark_sql = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    return (spark.sql(spark_sql, args=params) if params else spark.sql(spark_sql)).collect()[0]


# expectations that group rows by their columns: each is a query of its own
GROUPED = (
    "expect_column_values_to_be_unique",
    "expect_compound_columns_to_be_unique",
    "expect_column_most_common_value_to_be_in_set",
)


def _aggregate(kind: str, kwargs: dict, label: str) -> tuple[str, list]:
    """The expectation as one aggregate over its whole table: the rows breaking it within its row
    condition, or the sum or count it bounds; with the values of its `?` placeholders in order."""
    where, params = condition_sql(kwargs.get("row_condition"), label)
    column = quote(kwargs.get("column", ""))
    values = kwargs.get("value_set", [])
    in_set = f"({', '.join('?' for _ in values)})" if values else "(null)"
    if kind == "expect_column_values_to_be_in_set":
        return f"count_if({where} and {column} is not null and {column} not in {in_set})", params + values
    if kind == "expect_column_values_to_not_be_in_set":
        return f"count_if({where} and {column} in {in_set})", params + values
    if kind == "expect_column_values_to_be_between":
        return f"count_if({where} and {column} is not null and not ({_within(column, kwargs)}))", params
    if kind == "expect_column_values_to_not_be_null":
        return f"count_if({where} and {column} is null)", params
    if kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = quote(kwargs["column_A"]), quote(kwargs["column_B"])
        greater = f"{a} >= {b}" if kwargs.get("or_equal") else f"{a} > {b}"
        return f"count_if({where} and not ({a} is null and {b} is null) and not coalesce({greater}, false))", params
    if kind == "expect_column_sum_to_be_between":
        return f"coalesce(sum(case when {where} then {column} end), 0)", params
    if kind.startswith("expect_table_row_count"):
        return f"count_if({where})", params
    raise SuiteError(f"{label}: the Spark audit does not run {kind}")


def _grouped(table: str, kind: str, kwargs: dict, label: str) -> tuple[str, list]:
    where, params = condition_sql(kwargs.get("row_condition"), label)
    frame = f"{quote(table)} where {where}"
    column = quote(kwargs.get("column", ""))
    if kind in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"):
        columns = [quote(c) for c in kwargs.get("column_list", [kwargs.get("column")])]
        some = " or ".join(f"{c} is not null" for c in columns)
        grouped = f"select count(*) as n from {frame} and ({some}) group by {', '.join(columns)} having count(*) > 1"
        return f"select coalesce(sum(n), 0) from ({grouped}) as duplicated", params
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
