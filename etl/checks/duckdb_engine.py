"""The expectation suites compiled to SQL and run inside DuckDB: the build's audit without GX.

Importing GX costs about 3 s, and running the suites through pandas frames more on top: more than
a whole build may cost. So the audit of write-audit-publish runs the suites here, as SQL, and
imports neither GX nor pandas; `validate` keeps GX (runner.py). Each type is
compiled to what GX 1.24 does on a pandas frame, which tests/test_audit_engine.py pins by running
both engines on clean and broken warehouses:

- a suite runs first as one scan of its table or view, every expectation a column of one query:
  when no row breaks a per-row rule (every build that publishes), that is the whole answer. Else
  the table is read into a temp table numbered in table order, as GX's frame is, and each
  expectation runs on it as a query of its own, which finds the examples. A row_condition (`==`
  comparisons, nested and/or) filters the rows before anything else;
- per-row expectations skip null values, except not_null; unique counts every row whose value
  occurs twice or more; compound unique skips rows whose columns are all null and matches nulls with
  nulls (pandas' `duplicated`); the pair expectation skips rows where both values are null, and a row
  where one is null fails it with no figure, as GX does on nullable columns;
- a sum over no rows is 0; a tie for the most common value fails unless ties_okay.

Examples print cells as pandas does (`nan` for a null string, `<NA>` for a null integer); dates and
blobs would print differently, and no suite shows them. A type not declared in
expectation_types.py is refused when its suite is loaded; anything else this engine cannot run
exactly (`mostly`, `ignore_row_if`, a pair or compound expectation without example_columns) is
refused here. Either way a SuiteError names the file, index and type: a check never vanishes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple

import duckdb

from ..layout import duckdb_path
from ..resources import EXPECTATIONS_DIR
from .expectation_types import BOUNDS, SUPPORTED
from .published_suites import scope_to_coverage, warehouse_coverage
from .report import CheckResult, ValidationReport
from .results import check_result, example_texts
from .runner import ChecksError, frame_columns, quote, warehouse_database
from .suites import Suite, SuiteError, expectation_label, load_suites

FRAME, ROW, UNEXPECTED = "audit_frame", "audit_row", "audit_unexpected"
PARTIAL = 20  # GX's partial_unexpected_count: examples come from the first 20 rows breaking a rule
PER_ROW_FIGURES = 3  # a per-row expectation's query gives: rows breaking it, examples, rows GX cannot decide
NA_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "BOOLEAN",
    "BLOB",
)  # pandas holds them as nullable arrays: a null prints <NA>
FLOAT_TYPES = ("HUGEINT", "UHUGEINT", "DECIMAL", "DOUBLE", "FLOAT")  # pandas holds them as floats


class Query(NamedTuple):
    sql: str
    params: list
    shown: list[str]  # the columns a per-row expectation's examples show
    # the same figures as select items over the suite's table (a per-row expectation's examples as
    # null), for the one scan; None for a type that needs a query of its own
    tally: str | None
    tally_params: list


def validate_in_duckdb(
    database: str | Path,
    suites: list[str] | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
    *,
    only_present: bool = True,
) -> ValidationReport:
    """The named suites (all when None) run on a warehouse, as `runner.validate_warehouse` runs them with GX.

    `only_present` as there; the audit turns it off, as `--expect-published` means the full release.
    """
    database = warehouse_database(database)
    loaded = load_suites(suites, expectations_dir, check_with_gx=False)
    if only_present:
        with duckdb.connect(duckdb_path(database), read_only=True) as con:
            coverage = warehouse_coverage(con)
        loaded = scope_to_coverage(loaded, coverage)
    # every suite compiled before any runs: one the engine cannot run is refused whole
    queries = {s.name: [compile_query(s, index, item) for index, item in enumerate(s.expectations)] for s in loaded}
    started, results, suite_seconds = time.perf_counter(), [], {}
    con = duckdb.connect(duckdb_path(database), read_only=True)  # a temp table lives in memory: allowed read-only
    try:
        for suite in loaded:
            suite_started = time.perf_counter()
            columns = frame_columns(con, suite)
            clash = sorted({ROW, UNEXPECTED} & set(columns))
            if clash:  # the frame's own columns would hide them, and give other results than GX
                raise ChecksError(f"{suite.path.name}: the audit cannot read a column named {', '.join(clash)}")
            in_one_scan = _passed_in_one_scan(con, suite, queries[suite.name], columns)
            results += in_one_scan or _run_on_frame(con, suite, queries[suite.name], columns)
            suite_seconds[suite.name] = time.perf_counter() - suite_started
    finally:
        con.close()
    return ValidationReport(
        database=database,
        suites=[s.name for s in loaded],
        results=results,
        seconds=time.perf_counter() - started,
        suite_seconds=suite_seconds,
        not_checked=coverage.absent() if only_present else [],
    )


def _passed_in_one_scan(
    con: duckdb.DuckDBPyConnection, suite: Suite, queries: list[Query], columns: dict[str, str]
) -> list[CheckResult] | None:
    """The suite's results from one scan of its table or view, if no row breaks any per-row rule
    there: then no expectation has examples to find, and the figures are those the frame gives.
    None otherwise (and for a suite with a type the scan cannot take): the suite runs on its frame.

    Numbering the rows into a frame (a temp table) took 60 % of the audit, and a check view (a
    join) was read once per expectation; the scan reads each table once.
    """
    if any(query.tally is None for query in queries):
        return None
    sql = f"select {', '.join(query.tally for query in queries)} from {quote(suite.table)}"
    try:
        figures = con.execute(sql, [p for query in queries for p in query.tally_params]).fetchall()[0]
    except duckdb.Error:
        return None  # on the frame, each expectation that fails to run says why
    results, at = [], 0
    for item, query in zip(suite.expectations, queries, strict=True):
        width = PER_ROW_FIGURES if SUPPORTED[item["type"]].per_row else 1
        own, at = figures[at : at + width], at + width
        if width == PER_ROW_FIGURES and (own[0] or own[2]):  # rows break it, or GX cannot decide them
            return None
        results.append(read_figures(suite, item, query, own, columns))
    return results


def _run_on_frame(
    con: duckdb.DuckDBPyConnection, suite: Suite, queries: list[Query], columns: dict[str, str]
) -> list[CheckResult]:
    """The suite's table or view numbered in table order (GX's frame), each expectation a query on it."""
    names = ", ".join(map(quote, columns))
    con.execute(
        f"create or replace temp table {FRAME} as "
        f"select row_number() over () as {ROW}, {names} from {quote(suite.table)}"
    )
    return [run(con, suite, item, query, columns) for item, query in zip(suite.expectations, queries, strict=True)]


def compile_query(suite: Suite, index: int, item: dict) -> Query:
    """One expectation as one query on the suite's frame, or a SuiteError naming it."""
    kind, kwargs, label = item["type"], item["kwargs"], expectation_label(suite.path, index, item)
    takes = SUPPORTED[kind].kwargs  # the type itself was checked when the suite was loaded
    unknown = set(kwargs) - takes - {"row_condition"}
    if unknown:
        raise SuiteError(f"{label}: the DuckDB engine does not take {', '.join(sorted(unknown))}")
    missing = takes - BOUNDS - {"or_equal", "ties_okay"} - set(kwargs)
    if (
        missing
        or any(not isinstance(kwargs.get(k, []), list) for k in ("value_set", "column_list"))
        or any(not isinstance(kwargs.get(k), int | float | None) for k in ("min_value", "max_value", "value"))
    ):
        raise SuiteError(f"{label}: needs {', '.join(sorted(takes))} (sets as lists, bounds as numbers)")
    if len(kwargs.get("column_list", [None, None])) < 2:  # as GX's own validator refuses it
        raise SuiteError(f"{label}: column_list must name at least two columns")
    condition, params = condition_sql(kwargs.get("row_condition"), label)
    column = quote(kwargs.get("column", ""))
    if kind == "expect_column_sum_to_be_between":
        tally = f"sum({column}) filter (where {condition})"
        return Query(f"select {tally} from {FRAME}", params, [], tally, params)
    if kind.startswith("expect_table_row_count"):
        tally = f"count(*) filter (where {condition})"
        return Query(f"select {tally} from {FRAME}", params, [], tally, params)
    if kind == "expect_column_most_common_value_to_be_in_set":  # pandas' mode: every tied value, sorted
        return Query(
            f"select list(value order by value) from (select {column} as value, count(*) as n, "
            f"max(count(*)) over () as top from {FRAME} where {condition} and {column} is not null "
            f"group by {column}) where n = top",
            params,
            [],
            None,
            [],
        )
    shown = list(suite.example_columns) or ([kwargs["column"]] if "column" in kwargs else [])
    if not shown:
        raise SuiteError(f"{label}: give the suite example_columns: GX prints this type's rows as numpy reprs")
    domain, unexpected, undecided, values = row_rule(kind, kwargs, label, (condition, params), FRAME)
    # the one scan reads the suite's table itself, where a uniqueness rule's subquery reads it too
    _, unexpected_in_table, _, _ = row_rule(kind, kwargs, label, (condition, params), quote(suite.table))
    considered = f"({condition}) and ({domain})"
    return Query(
        f"select count(*) filter (where {UNEXPECTED}), min_by(row({', '.join(map(quote, shown))}), "
        f"{ROW}, {PARTIAL}) filter (where {UNEXPECTED}), count(*) filter (where {undecided}) from "
        f"(select *, {unexpected} as {UNEXPECTED} from {FRAME} where {condition} and {domain})",
        values + params,
        shown,
        f"count(*) filter (where {considered} and ({unexpected_in_table})), null, "
        f"count(*) filter (where {considered} and ({undecided}))",
        params + values + params,
    )


def row_rule(
    kind: str, kwargs: dict, label: str, condition: tuple[str, list], relation: str
) -> tuple[str, str, str, list]:
    """A per-row expectation as SQL: the rows it considers, those breaking it, those GX cannot decide;
    params. `condition` is the row condition's SQL and params, which a uniqueness rule repeats in
    its subquery over `relation` (the rows' own table or frame)."""
    column = quote(kwargs.get("column", ""))
    if kind.endswith("in_set"):
        values = kwargs["value_set"]
        # coalesce: `x in (null, ...)` is null, not false, where pandas' isin says False
        found = f"coalesce({column} in ({', '.join('?' * len(values))}), false)" if values else "false"
        return f"{column} is not null", found if "_not_" in kind else f"not {found}", "false", list(values)
    if kind == "expect_column_values_to_be_between":
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if (low is None and high is None) or (low is not None and high is not None and low > high):
            raise SuiteError(f"{label}: needs min_value or max_value, min_value <= max_value")
        parts = [
            f"{column} {op}{'' if kwargs.get(strict) else '='} ?"
            for op, strict, bound in ((">", "strict_min", low), ("<", "strict_max", high))
            if bound is not None
        ]
        bounds = [bound for bound in (low, high) if bound is not None]
        return f"{column} is not null", f"not ({' and '.join(parts)})", "false", bounds
    if kind == "expect_column_values_to_be_unique":
        domain = f"{column} is not null"
        return domain, _duplicated(column, [column], domain, condition, relation), "false", condition[1]
    if kind == "expect_column_values_to_not_be_null":
        return "true", f"{column} is null", "false", []
    columns = list(map(quote, kwargs.get("column_list") or (kwargs["column_A"], kwargs["column_B"])))
    not_all_null = "not (" + " and ".join(f"{c} is null" for c in columns) + ")"  # GX's default ignore_row_if
    if kind == "expect_compound_columns_to_be_unique":  # as pandas' duplicated, null matches null (_duplicated)
        key = f"row({', '.join(columns)})"
        return not_all_null, _duplicated(key, columns, not_all_null, condition, relation), "false", condition[1]
    # a pair with one null: pandas compares a nullable column to NA, and GX fails with no figure
    a, b = columns
    return not_all_null, f"not ({a} {'>=' if kwargs.get('or_equal') else '>'} {b})", f"{a} is null or {b} is null", []


def _duplicated(key: str, columns: list[str], domain: str, condition: tuple[str, list], relation: str) -> str:
    """Whether a row's `key` occurs twice or more among the rows the rule considers (its params: the
    condition's). A hash aggregate, then a semi-join: twice as fast as counting over a window
    partitioned by the key (objects: 60 against 30 ms), the audit's two slowest checks. GROUP BY
    puts nulls together, and DuckDB compares rows (structs) with null fields as equal, so a compound
    key matches null with null as pandas' `duplicated` does (tests/test_audit_engine.py, against GX)."""
    return (
        f"{key} in (select {key} from {relation} where {condition[0]} and {domain} "
        f"group by {', '.join(columns)} having count(*) > 1)"
    )


def condition_sql(condition: dict | None, label: str) -> tuple[str, list]:
    """A GX row_condition as a SQL predicate: `==` comparisons, joined by and/or to any depth."""
    if condition is None:
        return "true", []
    kind = condition.get("type") if isinstance(condition, dict) else None
    if kind in ("and", "or") and isinstance(condition.get("conditions"), list) and condition["conditions"]:
        parts = [condition_sql(inner, label) for inner in condition["conditions"]]
        return f"({f' {kind} '.join(sql for sql, _ in parts)})", [p for _, params in parts for p in params]
    if (
        kind == "comparison"
        and condition.get("operator") == "=="
        and condition.get("parameter") is not None
        and isinstance(condition.get("column"), dict)
        and isinstance(condition["column"].get("name"), str)
    ):
        return f"{quote(condition['column']['name'])} = ?", [condition["parameter"]]
    raise SuiteError(
        f"{label}: the DuckDB engine takes row conditions that compare a column with == "
        f"(joined by and/or), not {condition!r}"
    )


def run(con: duckdb.DuckDBPyConnection, suite: Suite, item: dict, query: Query, columns: dict[str, str]) -> CheckResult:
    """One compiled expectation run on the suite's frame."""
    try:
        figures = con.execute(query.sql, query.params).fetchall()[0]
    except duckdb.Error as exc:
        return check_result(suite, item, None, False, (), str(exc).splitlines()[0])
    return read_figures(suite, item, query, figures, columns)


def read_figures(suite: Suite, item: dict, query: Query, figures: tuple, columns: dict[str, str]) -> CheckResult:
    """An expectation's figures (its query's row) read as runner.to_check_result reads GX's result."""
    kind, kwargs = item["type"], item["kwargs"]
    if SUPPORTED[kind].per_row:
        if figures[2]:
            error = f"{figures[2]} row(s) with one of the pair null: GX cannot compare them (NA is ambiguous)"
            return check_result(suite, item, None, False, (), error)
        texts = [[cell_text(v, columns[c]) for v, c in zip(row, query.shown, strict=True)] for row in figures[1] or []]
        rows = [dict(zip(query.shown, t, strict=True)) for t in texts]
        shown_rows = example_texts(rows, [t[0] for t in texts], suite.example_columns)
        return check_result(suite, item, figures[0], figures[0] == 0, shown_rows, None)
    if kind == "expect_column_most_common_value_to_be_in_set":
        modes = figures[0] or []
        hits = set(kwargs["value_set"]).intersection(modes)
        success = bool(hits) if kwargs.get("ties_okay") else len(modes) == 1 and len(hits) == 1
        observed = ", ".join(cell_text(v, columns[kwargs["column"]]) for v in modes) or "nothing"
        return check_result(suite, item, observed, success, (), None)
    observed = figures[0] or 0
    if kind == "expect_column_sum_to_be_between" and columns[kwargs["column"]].startswith(FLOAT_TYPES):
        observed = float(observed)
    success = within(observed, kwargs) if "value" not in kwargs else observed == kwargs["value"]
    return check_result(suite, item, observed, success, (), None)


def within(value: object, kwargs: dict) -> bool:
    """GX's `_validate_metric_value_between`: bounds inclusive unless strict, a missing bound passes."""
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    above = low is None or (value > low if kwargs.get("strict_min") else value >= low)
    below = high is None or (value < high if kwargs.get("strict_max") else value <= high)
    return bool(above and below)


def cell_text(value: object, sql_type: str) -> str:
    """A cell as str() prints it from the pandas frame GX reads."""
    if value is None:
        return "<NA>" if sql_type in NA_TYPES else "nan"
    return str(float(value)) if sql_type.startswith(FLOAT_TYPES) else str(value)
