"""What a validation found: one CheckResult per expectation, gathered in a ValidationReport."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .findings import Finding


@dataclass(frozen=True)
class CheckResult:
    """One expectation's outcome, named by its suite's table and its own group and key.

    For a per-row expectation (`per_row`), expected is 0 and observed the number of rows breaking
    the rule, with a few of them in `examples`; otherwise both are the figure itself.
    """

    suite: str
    table: str
    purpose: str
    required: bool
    group: str
    key: str
    expectation: str
    expected: object
    observed: object
    success: bool
    per_row: bool = False
    examples: tuple[str, ...] = ()
    error: str | None = None

    @property
    def name(self) -> tuple[str, str]:
        return (self.group, self.key)

    def describe(self) -> str:
        """`objects per class: car expected 31824, found 31820`."""
        head = f"{self.group}: {self.key}"
        if self.error:
            return f"{head} could not be computed: {self.error}"
        if self.per_row:
            text = f"{head} expected {self.expected} rows breaking it, found {self.observed}"
        else:
            text = f"{head} expected {self.expected}, found {self.observed}"
        if self.examples:
            text += f" (e.g. {'; '.join(self.examples)})"
        return text


@dataclass
class ValidationReport:
    database: Path
    suites: list[str]
    results: list[CheckResult]
    seconds: float = 0.0
    suite_seconds: dict[str, float] = field(default_factory=dict)
    not_checked: list[str] = field(default_factory=list)  # published figures a subset cannot be held to
    synthetic: bool = False  # built from the generated replica: every page says so
    figures: list[Finding] = field(default_factory=list)  # findings: shown, never passed or failed

    def failures(self, required_only: bool = False) -> list[CheckResult]:
        """Failed expectations, required suites first; with required_only, only those that gate a publish."""
        failed = [r for r in self.results if not r.success and (r.required or not required_only)]
        return sorted(failed, key=lambda r: not r.required)

    @property
    def passed(self) -> bool:
        """Every expectation of every required (integrity) suite passed: the warehouse may be published.

        Published counts and completeness are reported, never blocking; see `all_passed`.
        """
        return not self.failures(required_only=True)

    @property
    def all_passed(self) -> bool:
        return not self.failures()

    def findings(self) -> list[Finding]:
        return self.figures

    def failed_names(self) -> set[tuple[str, str]]:
        return {r.name for r in self.failures()}
