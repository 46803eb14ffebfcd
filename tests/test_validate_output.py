"""What `validate` says: a grouped summary before the details, subsets held only to what they hold,
and SYNTHETIC on every page it writes."""

from __future__ import annotations

import ast
from pathlib import Path

from cityscapes_warehouse import published
from cityscapes_warehouse.checks.published_suites import Coverage, published_suites, scope_to_coverage
from cityscapes_warehouse.checks.render import render_html, render_markdown, render_text
from cityscapes_warehouse.checks.report import CheckResult, ValidationReport
from cityscapes_warehouse.checks.suites import Suite
from cityscapes_warehouse.display import BANNER

CHECKS = Path(__file__).resolve().parent.parent / "etl" / "checks"


def result(suite: str, group: str, key: str, success: bool, required: bool = False) -> CheckResult:
    purpose = suite.split(".")[1]
    return CheckResult(suite, suite.split(".")[0], purpose, required, group, key, "x", 1, 1 if success else 2, success)


def report(**options) -> ValidationReport:
    return ValidationReport(
        database=Path("warehouse.duckdb"),
        suites=["class_stats.published", "objects.integrity"],
        results=[
            result("class_stats.published", "objects per class", "car", False),
            result("class_stats.published", "objects per class", "bus", False),
            result("class_stats.published", "images per class", "car", False),
            result("class_stats.published", "images per class", "bus", True),
            result("objects.integrity", "keys", "object_id", True, required=True),
        ],
        **options,
    )


def test_text_gives_the_groups_that_differ_before_the_details():
    lines = render_text(report()).splitlines()
    assert lines[0].startswith("FAILED: 5 expectations in 2 suites, 2 passed")
    assert lines[1] == "  class_stats.published (reported only): 3 of 4 differ: objects per class 2, images per class 1"
    assert lines[2] == "  every other suite passed: objects.integrity"
    details = lines.index("details:")
    assert [line.split(":")[1].strip() for line in lines[details + 1 :]] == [
        "objects per class",
        "objects per class",
        "images per class",
    ]


def test_text_fits_the_terminal_it_is_given_and_stays_whole_for_a_pipe():
    whole = render_text(report())
    assert max(len(line) for line in whole.splitlines()) > 80  # the summary line is long
    fitted = render_text(report(), width=80)
    assert max(len(line) for line in fitted.splitlines()) <= 80
    assert " ".join(fitted.split()) == " ".join(whole.split())  # every word kept, in order
    continued = fitted.splitlines()[1]
    assert continued.startswith("    ") and not continued.startswith("FAIL")


def test_text_says_what_a_subset_was_not_checked_against():
    text = render_text(report(not_checked=["split train: absent (none of its 18 cities)"]))
    assert "not checked (published counts of what this warehouse does not hold):\n  split train: absent" in text


def test_every_page_validate_writes_says_synthetic():
    html, markdown = render_html(report(synthetic=True)), render_markdown(report(synthetic=True))
    assert "<title>SYNTHETIC DATA · Warehouse validation</title>" in html and 'id="synthetic-banner"' in html
    assert BANNER in markdown.splitlines()[2]
    assert "SYNTHETIC" not in render_html(report()) + render_markdown(report())


def suites_of(docs: list[dict]) -> list[Suite]:
    return [
        Suite(
            doc["name"], doc["name"].split(".")[0], "published", False, "", (), doc["expectations"], Path(doc["name"])
        )
        for doc in docs
    ]


def val_cities() -> frozenset[str]:
    return frozenset(city for city, f in published.CITY_FIGURES.items() if f.split == "val")


def names(suites: list[Suite]) -> set[tuple[str, str]]:
    return {(e["meta"]["group"], e["meta"]["key"]) for s in suites for e in s.expectations}


def test_a_val_only_warehouse_is_checked_for_val_and_its_cities_only():
    scoped = names(scope_to_coverage(suites_of(published_suites()), Coverage(val_cities())))
    assert ("images per split", "val") in scoped and ("objects per split", "val") in scoped
    assert ("images per split", "train") not in scoped and ("total", "images") not in scoped
    assert {key for group, key in scoped if group == "images per city"} == set(val_cities())
    assert ("objects per class in val", "car") in scoped and ("objects per class", "car") not in scoped
    assert ("objects per class in train", "car") not in scoped


def test_a_partial_split_is_checked_city_by_city():
    coverage = Coverage(frozenset({"frankfurt"}))
    scoped = names(scope_to_coverage(suites_of(published_suites()), coverage))
    assert {key for group, key in scoped if group == "images per city"} == {"frankfurt"}
    assert not [key for group, key in scoped if group.startswith("objects per class in ")]
    absent = coverage.absent()
    assert absent[1].startswith("split val: 1 of its 3 cities present") and "lindau" in absent[1]
    assert absent[0] == "split train: absent (none of its 18 cities)"


def test_the_whole_release_is_checked_in_full():
    suites = suites_of(published_suites())
    coverage = Coverage(frozenset(published.CITY_FIGURES))
    assert names(scope_to_coverage(suites, coverage)) == names(suites) and coverage.absent() == []


def test_the_validation_report_does_not_import_its_renderers():
    tree = ast.parse((CHECKS / "report.py").read_text())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert imported and not [module for module in imported if module.split(".")[-1] == "render"]


def test_markdown_cells_hold_no_raw_html_and_no_line_break():
    """Keys and examples come from the data (file names, labels): a cell must stay one cell of text."""
    hostile = "<img src=x onerror=alert(1)>\nsecond line"
    suite = "rejects.completeness"
    failed = ValidationReport(
        database=Path("warehouse.duckdb"), suites=[suite], results=[result(suite, "g", hostile, False)]
    )
    markdown = render_markdown(failed)
    rows = [line for line in markdown.splitlines() if "onerror" in line or "second line" in line]
    assert rows and all(line.startswith("|") and line.endswith("|") for line in rows)
    assert "<img" not in markdown
