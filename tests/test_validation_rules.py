"""Validation never passes on nothing, findings are figures (not passed expectations), and --strict
fails on faults of the source while the release's own conventions pass it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from cityscapes_warehouse.checks import SuiteError, load_suites, validate_warehouse
from cityscapes_warehouse.cli import main
from cityscapes_warehouse.reasons import CONVENTIONS
from conftest import TINY, write_folder

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout, where data/README.md is


def test_validation_over_no_suite_is_an_error(tiny_warehouse, tmp_path):
    (tmp_path / "none").mkdir()
    with pytest.raises(SuiteError, match="no (expectation )?suite"):
        validate_warehouse(tiny_warehouse.database, expectations_dir=tmp_path / "none")
    with pytest.raises(SuiteError, match="no (expectation )?suite"):
        validate_warehouse(tiny_warehouse.database, suites=[])


def test_a_suite_without_expectations_is_refused(tmp_path):
    path = tmp_path / "objects.integrity.json"
    path.write_text(
        json.dumps(
            {"name": "objects.integrity", "meta": {"purpose": "integrity", "required": True}, "expectations": []}
        )
    )
    with pytest.raises(SuiteError, match="non-empty"):
        load_suites(["objects.integrity"], tmp_path)


def test_no_suite_holds_an_expectation_that_cannot_fail():
    unfailable = [
        (suite.name, item["meta"]["key"])
        for suite in load_suites(check_with_gx=False)
        for item in suite.expectations
        if item["type"] == "expect_table_row_count_to_be_between"
        and not item["kwargs"].get("min_value")
        and item["kwargs"].get("max_value") is None
    ]
    assert unfailable == []


def test_findings_are_figures_not_passed_expectations(tiny_warehouse, capsys):
    report = tiny_warehouse.validate()
    assert all(r.purpose != "findings" for r in report.results)
    found = {f.key: f.observed for f in report.findings()}
    assert found["invalid polygons"] == 1 and found["out-of-bounds vertices"] == 1
    assert (found["too_few_points"], found["deleted"], found["unknown_label"]) == (1, 1, 1)
    assert main(["validate", "--warehouse", str(tiny_warehouse.path), "--suite", "objects.integrity"]) == 0
    out = capsys.readouterr().out
    assert "findings (figures, never pass or fail): " in out and "invalid polygons 1" in out
    expectations = len(load_suites(["objects.integrity"], check_with_gx=False)[0].expectations)
    assert f"PASSED: {expectations} expectations in 1 suites" in out


def test_strict_passes_on_the_release_conventions_alone(tmp_path, capsys):
    files = copy.deepcopy(TINY)
    val = "gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_polygons.json"
    files[val] = [obj for obj in files[val] if obj["label"] != "spaceship"]  # the one unknown label
    source = write_folder(tmp_path / "download", files)
    assert main(["build", str(source), "--out", str(tmp_path / "wh"), "--strict"]) == 0
    out = capsys.readouterr().out
    assert "deleted" in out and "too_few_points" in out


def test_strict_fails_on_a_fault_of_the_source_and_names_it(tmp_path, tiny_folder, capsys):
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "unknown_label 1" in err and "spaceship" in err and "deleted" not in err.split("\n", 1)[1]
    assert not (tmp_path / "wh").exists()


def test_the_completeness_suite_and_strict_agree_on_what_a_fault_is():
    readme = (PROJECT_ROOT / "data" / "README.md").read_text()
    suite = load_suites(["rejects.completeness"], check_with_gx=False)[0]
    faults = {reason for item in suite.expectations for reason in item["kwargs"]["value_set"]}
    assert not faults & set(CONVENTIONS)
    assert all(f"`{reason}`" in readme for reason in [*faults, *CONVENTIONS])
