"""The expectation types the suites may use, declared once for every engine that runs them.

GX runs them for `validate`; the build's audit compiles each to DuckDB SQL (duckdb_engine.py) and
the Spark build's audit to Spark SQL (spark/audit.py). A suite is loaded only if every type it
uses is declared here (suites.py), so a type one engine could run and another not never ships.
`kwargs` are what the compiled engines read besides row_condition; `per_row` says what the
result's figure is: the number of rows breaking the rule, or the measured figure itself (it agrees
with GX's classes, tests/test_checks_suites.py).
"""

from __future__ import annotations

from dataclasses import dataclass

BOUNDS = frozenset({"min_value", "max_value", "strict_min", "strict_max"})


@dataclass(frozen=True)
class ExpectationType:
    kwargs: frozenset[str]
    per_row: bool


SUPPORTED: dict[str, ExpectationType] = {
    "expect_column_values_to_be_in_set": ExpectationType(frozenset({"column", "value_set"}), True),
    "expect_column_values_to_not_be_in_set": ExpectationType(frozenset({"column", "value_set"}), True),
    "expect_column_values_to_be_between": ExpectationType(frozenset({"column"}) | BOUNDS, True),
    "expect_column_values_to_be_unique": ExpectationType(frozenset({"column"}), True),
    "expect_column_values_to_not_be_null": ExpectationType(frozenset({"column"}), True),
    "expect_compound_columns_to_be_unique": ExpectationType(frozenset({"column_list"}), True),
    "expect_column_pair_values_a_to_be_greater_than_b": ExpectationType(
        frozenset({"column_A", "column_B", "or_equal"}), True
    ),
    "expect_column_sum_to_be_between": ExpectationType(frozenset({"column"}) | BOUNDS, False),
    "expect_table_row_count_to_equal": ExpectationType(frozenset({"value"}), False),
    "expect_table_row_count_to_be_between": ExpectationType(BOUNDS, False),
    "expect_column_most_common_value_to_be_in_set": ExpectationType(
        frozenset({"column", "value_set", "ties_okay"}), False
    ),
}
