"""The audit of write-audit-publish: the checks a staged warehouse must pass before it is published.

The suites run inside DuckDB (checks/duckdb_engine.py), not through Great Expectations: importing
GX and running the suites on pandas would cost more than the rest of a build may. The engine gives
GX's own results, which tests/test_audit_engine.py pins; `validate` still runs GX.
"""

from __future__ import annotations

from pathlib import Path

from .checks.duckdb_engine import validate_in_duckdb
from .checks.suites import load_suites
from .layout import DATABASE_FILE
from .user_error import WarehouseError

PUBLISHED = "published"


class AuditError(WarehouseError):
    """The staged warehouse failed a check it had to pass; the published one was left unchanged."""

    def __init__(self, report, blocking: list):
        self.report = report
        self.blocking = blocking
        lines = failure_lines([f"{r.table}: {r.describe()}" for r in _varied(blocking)])
        super().__init__(f"{len(blocking)} check(s) failed, so the warehouse was not published:\n{lines}")


def _varied(failures: list) -> list:
    """The failures, the first of each suite leading, then the first of each group, then the rest:
    the lines an error has room for tell of every suite that failed, not of one city after another."""
    leading: list = []
    for kind in (lambda r: r.suite, lambda r: (r.suite, r.group)):
        seen = {kind(r) for r in leading}
        for failure in failures:
            if kind(failure) not in seen and all(failure is not r for r in leading):
                leading.append(failure)
                seen.add(kind(failure))
    return leading + [r for r in failures if all(r is not first for first in leading)]


SHOWN_FAILURES = 10  # an error is read in a terminal, a line per failure would fill it


def failure_lines(failures: list[str]) -> str:
    """The first failed checks, a line each, and how many more there are."""
    lines = [f"  {failure}" for failure in failures[:SHOWN_FAILURES]]
    if len(failures) > SHOWN_FAILURES:
        lines.append(f"  ... and {len(failures) - SHOWN_FAILURES} more (the first {SHOWN_FAILURES} shown)")
    return "\n".join(lines)


def audit(staging: Path, expect_published: bool = False):
    """Run the integrity suites (and the published-count suites when expected) on `staging`.

    Both run in DuckDB, without importing GX or pandas: the engine runs every type the published
    suites use, exactly as GX does, so the simplest correct choice is one engine for the whole audit.
    A suite using a type the engine lacks is refused with a SuiteError, never skipped.
    Returns the ValidationReport, or raises AuditError naming every blocking failure.
    """
    suites = [
        s.name for s in load_suites(check_with_gx=False) if s.required or (expect_published and s.purpose == PUBLISHED)
    ]
    # never scoped to what the build holds: --expect-published asks for the whole release
    report = validate_in_duckdb(staging / DATABASE_FILE, suites, only_present=False)
    blocking = [r for r in report.failures() if r.required or (expect_published and r.purpose == PUBLISHED)]
    if blocking:
        raise AuditError(report, blocking)
    return report
