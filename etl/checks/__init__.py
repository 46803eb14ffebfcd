"""Great Expectations suites on a built warehouse: published counts, integrity, data-quality findings.

    >>> report = validate_warehouse("warehouse/warehouse.duckdb")
    >>> print(render_text(report))     # or render_markdown, render_html
    >>> report.passed              # every required (integrity) suite passed: safe to publish
    >>> validate_in_duckdb(staging_db, suites=required_suite_names())   # write-audit-publish gate

`validate_in_duckdb` runs the same suites as SQL inside DuckDB, to the same results, without the
seconds GX takes to import: the build's audit uses it.
"""

from .duckdb_engine import validate_in_duckdb
from .render import render_html, render_markdown, render_text
from .report import CheckResult, ValidationReport
from .runner import ChecksError, validate_warehouse
from .suites import SuiteError, load_suite, load_suites, required_suite_names

__all__ = [
    "CheckResult",
    "ChecksError",
    "SuiteError",
    "ValidationReport",
    "load_suite",
    "load_suites",
    "render_html",
    "render_markdown",
    "render_text",
    "required_suite_names",
    "validate_in_duckdb",
    "validate_warehouse",
]
