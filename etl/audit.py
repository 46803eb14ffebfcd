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
    leading, taken = [], set()
    for kind in (lambda r: r.suite, lambda r: (r.suite, r.group)):
        seen = {kind(r) for r in leading}
        for failure in failures:
            if id(failure) not in taken and kind(failure) not in seen:
                leading.append(failure)
                taken.add(id(failure))
                seen.add(kind(failure))
    return leading + [r for r in failures if id(r) not in taken]


SHOWN_FAILURES = 10  # an error is read in a terminal, a line per failure would fill it


def failure_lines(failures: list[str], total: int | None = None) -> str:
    """The first failures, a line each, and how many more there are of `total` (default: all given)."""
    shown = failures[:SHOWN_FAILURES]
    lines = [f"  {failure}" for failure in shown]
    more = (len(failures) if total is None else total) - len(shown)
    if more > 0:
        lines.append(f"  ... and {more} more (the first {len(shown)} shown)")
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
