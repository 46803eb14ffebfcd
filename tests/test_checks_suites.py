"""The suite files: committed, readable, loaded strictly, and in step with the code's figures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cityscapes_warehouse import published
from cityscapes_warehouse.checks import (
    SuiteError,
    load_suite,
    load_suites,
    required_suite_names,
    validate_in_duckdb,
    validate_warehouse,
)
from cityscapes_warehouse.checks.expectation_types import SUPPORTED
from cityscapes_warehouse.checks.gx import gx_modules
from cityscapes_warehouse.checks.published_suites import published_suites
from cityscapes_warehouse.checks.suites import dump_suite, suite_paths
from cityscapes_warehouse.labels import LABELS
from cityscapes_warehouse.reasons import CONVENTIONS
from cityscapes_warehouse.resources import EXPECTATIONS_DIR, SQL_DIR

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout: the code and data/README.md

SUITE_FILES = suite_paths()
CHECK_VIEWS = sorted((SQL_DIR / "checks").glob("*.sql"))


@pytest.mark.parametrize("path", SUITE_FILES, ids=lambda p: p.name)
def test_every_committed_suite_loads_every_expectation(path):
    suite = load_suite(path)
    assert len(suite.gx_suite().expectations) == len(json.loads(path.read_text())["expectations"])


def test_integrity_suites_are_required_and_the_others_reported_only():
    roles = {suite.name: (suite.purpose, suite.required) for suite in load_suites()}
    assert {purpose for purpose, _ in roles.values()} == {"integrity", "published", "completeness"}
    assert all(required == (purpose == "integrity") for purpose, required in roles.values())
    assert set(required_suite_names()) == {name for name, (purpose, _) in roles.items() if purpose == "integrity"}


@pytest.mark.parametrize("doc", published_suites(), ids=lambda d: d["name"])
def test_published_suites_are_written_from_published_py(doc):
    assert (EXPECTATIONS_DIR / f"{doc['name']}.json").read_text() == dump_suite(doc)


def test_published_suites_hold_every_figure_of_the_reference():
    names = {(e["meta"]["group"], e["meta"]["key"]) for doc in published_suites() for e in doc["expectations"]}
    classes, cities = published.CLASS_FIGURES, published.CITY_FIGURES
    assert len(names) == 4 + 2 * 3 + 2 * len(cities) + 5 * len(classes) + 2
    assert {
        ("objects per class", "car"),
        ("objects per class in test", "rectification border"),
        ("split of city", "munich"),
        ("images per city", "aachen"),
        ("total", "classes"),
    } <= names


def _value_set(suite_name: str, key: str) -> list:
    suite = load_suites([suite_name])[0]
    return next(e["kwargs"]["value_set"] for e in suite.expectations if e["meta"]["key"] == key)


def test_integrity_domains_are_the_published_cities_and_the_label_table():
    assert set(_value_set("images.integrity", "city")) == set(published.CITY_FIGURES)
    assert _value_set("images.integrity", "split") == list(published.SPLITS)
    assert set(_value_set("objects.integrity", "label in the label table")) == set(LABELS)


def test_every_documented_reject_reason_is_a_fault_or_a_convention_of_the_release():
    readme = (PROJECT_ROOT / "data" / "README.md").read_text()
    documented = set(re.findall(r"`([a-z_]+)`", readme.split("| reason |", 1)[1].splitlines()[0]))
    faults = {e["meta"]["key"] for e in load_suites(["rejects.completeness"], check_with_gx=False)[0].expectations}
    assert documented and faults | set(CONVENTIONS) == documented


def test_every_check_view_a_suite_reads_has_its_sql_file():
    tables = {suite.table for suite in load_suites()}
    assert {t for t in tables if t.startswith("check_")} == {p.stem for p in CHECK_VIEWS}


@pytest.mark.parametrize("path", CHECK_VIEWS, ids=lambda p: p.name)
def test_check_view_file_has_its_header_and_creates_its_view(path):
    text = path.read_text()
    assert text.startswith(f"-- {path.stem}: one row per")
    assert re.findall(r"create or replace view (\w+)", text) == [path.stem]
    assert text.rstrip().endswith("select * from final;")


def _write_suite(tmp_path: Path, expectations: list[dict], name: str = "objects.integrity") -> Path:
    path = tmp_path / f"{name}.json"
    doc = {"name": name, "meta": {"purpose": "integrity", "required": True}, "expectations": expectations}
    path.write_text(json.dumps(doc))
    return path


UNIQUE_IDS = {
    "type": "expect_column_values_to_be_unique",
    "kwargs": {"column": "object_id"},
    "meta": {"group": "unique keys", "key": "object_id"},
}


def test_misspelled_expectation_type_is_refused_naming_file_index_and_type(tmp_path):
    typo = {**UNIQUE_IDS, "type": "expect_column_values_to_be_uniqe", "meta": {"group": "g", "key": "k"}}
    path = _write_suite(tmp_path, [UNIQUE_IDS, typo])
    with pytest.raises(SuiteError) as error:
        load_suite(path)
    assert str(error.value) == (
        "objects.integrity.json: expectation 1 (expect_column_values_to_be_uniqe): "
        "unknown expectation type 'expect_column_values_to_be_uniqe'"
    )


# GX knows this type, and the audit's SQL engine does not run it
MEAN = {
    "type": "expect_column_mean_to_be_between",
    "kwargs": {"column": "n_vertices", "min_value": 3},
    "meta": {"group": "g", "key": "k"},
}


@pytest.mark.parametrize("engine", [validate_warehouse, validate_in_duckdb], ids=["gx", "duckdb"])
def test_a_type_not_declared_supported_is_refused_by_both_engines(tiny_warehouse, tmp_path, engine):
    _write_suite(tmp_path, [UNIQUE_IDS, MEAN])
    with pytest.raises(SuiteError) as error:
        engine(tiny_warehouse.path, None, tmp_path)
    assert str(error.value).startswith(
        "objects.integrity.json: expectation 1 (expect_column_mean_to_be_between): "
        "cityscapes-warehouse does not run this type"
    )


@pytest.mark.parametrize("kind", SUPPORTED)
def test_declared_per_row_agrees_with_the_gx_class_of_the_type(kind):
    modules = gx_modules()
    assert SUPPORTED[kind].per_row == issubclass(modules.get_expectation_impl(kind), modules.ROW_EXPECTATIONS)


def test_misspelled_kwarg_is_refused_naming_the_field(tmp_path):
    typo = {**UNIQUE_IDS, "kwargs": {"colum": "object_id"}}
    with pytest.raises(
        SuiteError,
        match=r"expectation 0 \(expect_column_values_to_be_unique\): invalid kwargs: "
        r"column: field required; colum: extra fields not permitted",
    ):
        load_suite(_write_suite(tmp_path, [typo]))


def test_expectation_without_group_and_key_is_refused(tmp_path):
    with pytest.raises(SuiteError, match="expectation 0 .*'group' and a 'key'"):
        load_suite(_write_suite(tmp_path, [{**UNIQUE_IDS, "meta": {}}]))


def test_two_expectations_with_one_name_are_refused(tmp_path):
    with pytest.raises(SuiteError, match="used twice"):
        load_suite(_write_suite(tmp_path, [UNIQUE_IDS, UNIQUE_IDS]))


def test_purpose_must_match_the_file_name(tmp_path):
    with pytest.raises(SuiteError, match="purpose 'findings'"):
        load_suite(_write_suite(tmp_path, [UNIQUE_IDS], name="objects.findings"))


def test_unknown_suite_name_is_refused():
    with pytest.raises(SuiteError, match="no suite named objects.integrty"):
        load_suites(["objects.integrty"])


def test_string_row_condition_is_refused_for_the_condition_object(tmp_path):
    legacy = {
        **UNIQUE_IDS,
        "kwargs": {"column": "object_id", "row_condition": "label == 'car'", "condition_parser": "pandas"},
    }
    with pytest.raises(SuiteError, match="GX Condition object"):
        load_suite(_write_suite(tmp_path, [legacy]))
