"""Validate a built warehouse: every suite's frame from DuckDB (read-only), checked by GX in memory.

The build's audit runs the same suites without GX (duckdb_engine.py), to the same results.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from ..layout import DATABASE_FILE, READ_ONLY_CONFIG, duckdb_path
from ..resources import EXPECTATIONS_DIR
from .expectation_types import SUPPORTED
from .findings import read_findings
from .gx import validate_frame
from .published_suites import scope_to_coverage, warehouse_coverage
from .report import CheckResult, ValidationReport
from .results import check_result, example_texts
from .suites import Suite, load_suites

if TYPE_CHECKING:  # DuckDB imports pandas when it builds a frame; duckdb_engine.py reuses this module and never does
    import pandas as pd

COLUMN_KWARGS = ("column", "column_A", "column_B")
COLUMN_LIST_KWARGS = ("column_list", "column_set")


class ChecksError(RuntimeError):
    """The warehouse cannot be validated (no database, or a suite's table or view is missing)."""


def validate_warehouse(
    database: str | Path,
    suites: list[str] | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
    *,
    only_present: bool = True,
) -> ValidationReport:
    """Run the named suites (file stems, e.g. `objects.integrity`; all when None) on a warehouse.

    `database` is `warehouse.duckdb` or the warehouse directory holding it. With `only_present`,
    a subset of the release is held to the published figures of the splits and cities it holds
    (`published_suites.Coverage`); the report's `not_checked` says what was left out.
    """
    database = warehouse_database(database)
    loaded = load_suites(suites, expectations_dir)
    started = time.perf_counter()
    results: list[CheckResult] = []
    suite_seconds: dict[str, float] = {}
    con = duckdb.connect(duckdb_path(database), read_only=True, config=READ_ONLY_CONFIG)
    try:
        coverage = warehouse_coverage(con)
        if only_present:
            loaded = scope_to_coverage(loaded, coverage)
        synthetic = bool(con.execute("select bool_or(synthetic) from stg_build_info").fetchone()[0])
        for suite in loaded:
            suite_started = time.perf_counter()
            frame = load_frame(con, suite)
            validation = validate_frame(suite.table, frame, suite.gx_suite(), suite.example_columns)
            results.extend(collect_results(suite, validation))
            suite_seconds[suite.name] = time.perf_counter() - suite_started
        figures = read_findings(con)
    except (duckdb.PermissionException, duckdb.CatalogException) as exc:
        # a view asking for a file (refused) or a table gone: the database is not the one build wrote
        message = str(exc).strip().splitlines()[0]
        raise ChecksError(f"{database}: altered or damaged ({message}); build the warehouse again") from exc
    finally:
        con.close()
    return ValidationReport(
        database=database,
        suites=[s.name for s in loaded],
        results=results,
        seconds=time.perf_counter() - started,
        suite_seconds=suite_seconds,
        not_checked=coverage.absent() if only_present else [],
        synthetic=synthetic,
        figures=figures,
    )


def warehouse_database(database: str | Path) -> Path:
    """`warehouse.duckdb`, given the file or the warehouse directory holding it."""
    database = Path(database)
    if database.is_dir():
        database = database / DATABASE_FILE
    if not database.is_file():
        raise ChecksError(f"{database}: no warehouse database here")
    return database


def frame_columns(con: duckdb.DuckDBPyConnection, suite: Suite) -> dict[str, str]:
    """The columns of the suite's table or view its expectations read, in table order, with their SQL types.

    Leaving out the unread columns keeps the WKB geometry and the vertex lists out of the frame.
    """
    available = dict(
        con.execute(
            "select column_name, data_type from duckdb_columns() where table_name = ? "
            "and database_name = current_database() order by column_index",
            [suite.table],
        ).fetchall()
    )
    if not available:
        raise ChecksError(
            f"{suite.path.name}: the warehouse has no table or view '{suite.table}'"
            + ("; check views come from sql/checks: rebuild the warehouse" if suite.table.startswith("check_") else "")
        )
    wanted = columns_read(suite)
    missing = wanted - set(available)
    if missing:
        raise ChecksError(f"{suite.path.name}: {suite.table} has no column {', '.join(sorted(missing))}")
    return {c: t for c, t in available.items() if c in wanted} or dict([next(iter(available.items()))])


def load_frame(con: duckdb.DuckDBPyConnection, suite: Suite) -> pd.DataFrame:
    """The suite's table or view as a DataFrame, with only the columns its expectations read."""
    names = ", ".join(map(quote, frame_columns(con, suite)))
    return con.sql(f"select {names} from {quote(suite.table)}").df()


def quote(identifier: str) -> str:
    """A table or column name as a SQL identifier, whatever characters it holds."""
    return '"' + identifier.replace('"', '""') + '"'


def columns_read(suite: Suite) -> set[str]:
    wanted = set(suite.example_columns)
    for item in suite.expectations:
        kwargs = item["kwargs"]
        wanted.update(kwargs[k] for k in COLUMN_KWARGS if k in kwargs)
        for k in COLUMN_LIST_KWARGS:
            wanted.update(kwargs.get(k, ()))
        wanted.update(condition_columns(kwargs.get("row_condition")))
    return wanted


def condition_columns(condition: dict | None) -> set[str]:
    """Columns a GX Condition (as JSON) reads, through nested and/or conditions."""
    if not condition:
        return set()
    found = {condition["column"]["name"]} if "column" in condition else set()
    for inner in condition.get("conditions", ()):
        found |= condition_columns(inner)
    return found


def collect_results(suite: Suite, validation) -> list[CheckResult]:
    """GX results mapped back to the suite's expectations by their meta (group, key), never by index."""
    by_name = {}
    for outcome in validation.results:
        meta = outcome.expectation_config.meta or {}
        by_name[(meta.get("group"), meta.get("key"))] = outcome
    written = [(e["meta"]["group"], e["meta"]["key"]) for e in suite.expectations]
    if set(by_name) != set(written) or len(validation.results) != len(written):
        raise ChecksError(
            f"{suite.path.name}: GX returned {len(validation.results)} results for {len(written)} expectations"
        )
    return [to_check_result(suite, item, by_name[name]) for item, name in zip(suite.expectations, written, strict=True)]


def to_check_result(suite: Suite, item: dict, outcome) -> CheckResult:
    """GX's outcome of one expectation, read into results.check_result."""
    result = outcome.result or {}
    per_row = SUPPORTED[item["type"]].per_row
    return check_result(
        suite,
        item,
        observed=result.get("unexpected_count") if per_row else plain(result.get("observed_value")),
        success=outcome.success,
        examples=example_texts(
            result.get("partial_unexpected_index_list") or [],
            result.get("partial_unexpected_list") or [],
            suite.example_columns,
        ),
        error=error_message(outcome.exception_info),
    )


def plain(value: object) -> object:
    """A GX observed value as plain Python: numpy scalars unwrapped, lists joined."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value)) if value else "nothing"
    return value


def error_message(info: dict | None) -> str | None:
    """GX reports a failed metric either flat or keyed by metric id; either way, its message."""
    if not info:
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message"))
    for value in info.values():
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message"))
    return None
