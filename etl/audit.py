"""The audit of write-audit-publish: the checks a staged warehouse must pass before it is published."""

from __future__ import annotations

from pathlib import Path

from .config import DATABASE_FILE

PUBLISHED = "published"


class AuditError(Exception):
    """The staged warehouse failed a check it had to pass; the published one was left unchanged."""

    def __init__(self, report, blocking: list):
        self.report = report
        self.blocking = blocking
        lines = "\n".join(f"  {r.table}: {r.describe()}" for r in blocking)
        super().__init__(f"{len(blocking)} check(s) failed, so the warehouse was not published:\n{lines}")


def audit(staging: Path, expect_published: bool = False):
    """Run the integrity suites (and the published-count suites when expected) on `staging`.

    Returns the ValidationReport, or raises AuditError naming every blocking failure.
    """
    # Great Expectations takes seconds to import: only a build that reaches its audit pays for it.
    from .checks import load_suites, validate_warehouse

    suites = [s.name for s in load_suites() if s.required or (expect_published and s.purpose == PUBLISHED)]
    report = validate_warehouse(staging / DATABASE_FILE, suites)
    blocking = [r for r in report.failures() if r.required or (expect_published and r.purpose == PUBLISHED)]
    if blocking:
        raise AuditError(report, blocking)
    return report
