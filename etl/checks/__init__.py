"""Great Expectations suites on a built warehouse: published counts, integrity, data-quality findings.

    >>> report = validate_warehouse("warehouse/warehouse.duckdb")
    >>> print(report.to_text())
    >>> report.passed              # every required (integrity) suite passed: safe to publish
    >>> validate_warehouse(staging_db, suites=required_suite_names())   # write-audit-publish gate
"""

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
    "required_suite_names",
    "validate_warehouse",
]
