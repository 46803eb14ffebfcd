"""One expectation's outcome -> its CheckResult, whichever engine computed it.

GX (`validate`, runner.py) and the compiled DuckDB SQL (the build's audit, duckdb_engine.py) each
measure an outcome in their own way: the figure observed, pass or fail, the rows breaking it, an
error. How that outcome is named, what figure was expected and how example rows are written is
decided here only, so both engines report an expectation identically (tests/test_audit_engine.py).
"""

from __future__ import annotations

from collections.abc import Iterable

from .expectation_types import SUPPORTED
from .report import CheckResult
from .suites import Suite

EXAMPLES_SHOWN = 3


def check_result(
    suite: Suite,
    item: dict,
    observed: object,
    success: bool,
    examples: tuple[str, ...] = (),
    error: str | None = None,
) -> CheckResult:
    """The result of expectation `item` of `suite`: for a per-row type, `observed` counts rows breaking it."""
    kind, kwargs = item["type"], item["kwargs"]
    per_row = SUPPORTED[kind].per_row
    return CheckResult(
        suite=suite.name,
        table=suite.table,
        purpose=suite.purpose,
        required=suite.required,
        group=item["meta"]["group"],
        key=item["meta"]["key"],
        expectation=kind,
        expected=0 if per_row else expected_figure(kwargs),
        observed=observed,
        success=bool(success),
        per_row=per_row,
        examples=examples,
        error=error,
    )


def expected_figure(kwargs: dict) -> object:
    if "value" in kwargs:
        return kwargs["value"]
    if "value_set" in kwargs:
        return " or ".join(map(str, kwargs["value_set"]))
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is not None and low == high:
        return low
    if high is None:
        return f">= {low}"
    if low is None:
        return f"<= {high}"
    return f"{low}..{high}"


def example_texts(rows: list[dict], values: Iterable[object], example_columns: tuple[str, ...]) -> tuple[str, ...]:
    """A few rows breaking a per-row rule: their example columns when the suite names some (`rows`),
    else the distinct values that broke it (`values`)."""
    if rows and example_columns:
        shown = [", ".join(str(row.get(c)) for c in example_columns) for row in rows[:EXAMPLES_SHOWN]]
    else:
        shown = list(dict.fromkeys(map(str, values)))
    return tuple(shown[:EXAMPLES_SHOWN])
