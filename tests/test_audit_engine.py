"""The audit's DuckDB engine gives GX's results, expectation for expectation, and the audit never imports GX.

A small replica (scale 0.02) is built once. The engines are compared on it as built, and on copies
whose DuckDB tables were broken one rule at a time: both must give the same outcome for every
expectation of every integrity suite, and fail the rule that was broken.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from cityscapes_warehouse.audit import AuditError, audit
from cityscapes_warehouse.checks import (
    ChecksError,
    SuiteError,
    duckdb_engine,
    load_suite,
    required_suite_names,
    validate_warehouse,
)
from cityscapes_warehouse.checks.duckdb_engine import validate_in_duckdb
from cityscapes_warehouse.checks.published_suites import replica_figures, write_published_suites
from cityscapes_warehouse.checks.render import render_text
from cityscapes_warehouse.checks.suites import load_suites, suite_paths
from cityscapes_warehouse.resources import EXPECTATIONS_DIR
from conftest import execute_on

FIRST_OBJECT = "(select min(object_id) from objects where not out_of_bounds)"
FIRST_IMAGE = "(select min(image_id) from images)"
SQUARE = "[{'x': 0, 'y': 0}, {'x': 9, 'y': 0}, {'x': 9, 'y': 9}]"

# name -> (SQL breaking one rule of the built warehouse, the (suite, group, key) that must then fail)
MUTATIONS = {
    "duplicate image": (
        [f"insert into images select * from images where image_id = {FIRST_IMAGE}"],
        ("images.integrity", "unique keys", "image_id"),
    ),
    "two images without image_id": (  # nulls are missing values, not duplicates: unique passes
        ["update images set image_id = null where image_id in (select image_id from images limit 2 offset 7)"],
        ("images.integrity", "keys not null", "image_id"),
    ),
    "split outside its domain": (
        ["update images set split = 'training' where image_id in (select image_id from images limit 5)"],
        ("images.integrity", "domains", "split"),
    ),
    "city outside its domain": (  # and a null city, which a map expectation skips
        [
            f"update images set city = 'atlantis' where image_id = {FIRST_IMAGE}",
            "update images set city = null where image_id = (select max(image_id) from images)",
        ],
        ("images.integrity", "domains", "city"),
    ),
    "zero width": (
        [f"update images set width = 0 where image_id = {FIRST_IMAGE}"],
        ("images.integrity", "image size positive", "width >= 1"),
    ),
    "zero height": (
        [f"update images set height = 0 where image_id = {FIRST_IMAGE}"],
        ("images.integrity", "image size positive", "height >= 1"),
    ),
    "duplicate object": (
        [f"insert into objects select * from objects where object_id = {FIRST_OBJECT}"],
        ("objects.integrity", "unique keys", "object_id"),
    ),
    "null object_id": (
        [f"update objects set object_id = null where object_id = {FIRST_OBJECT}"],
        ("objects.integrity", "keys not null", "object_id"),
    ),
    "object without image_id": (
        [f"update objects set image_id = null where object_id = {FIRST_OBJECT}"],
        ("objects.integrity", "keys not null", "objects.image_id"),
    ),
    "labels not in the label table": (
        [
            "update objects set label = 'spaceship' where object_id in (select object_id from objects limit 4)",
            "update objects set label = 'ufo' where object_id in (select object_id from objects limit 2 offset 9)",
        ],
        ("objects.integrity", "domains", "label in the label table"),
    ),
    "object of two vertices": (
        [f"update objects set n_vertices = 2 where object_id = {FIRST_OBJECT}"],
        ("objects.integrity", "vertices per object", "n_vertices >= 3"),
    ),
    "duplicate ring": (
        [f"insert into polygons select * from polygons where object_id = {FIRST_OBJECT} and ring = 0"],
        ("polygons.integrity", "unique keys", "(object_id, ring)"),
    ),
    "rings without object_id": (  # duplicated matches null with null; rows all null are skipped
        [
            f"insert into polygons values (null, 0, 3, {SQUARE}), (null, 0, 3, {SQUARE}), (null, null, 3, {SQUARE}), "
            f"(null, null, 3, {SQUARE})"
        ],
        ("polygons.integrity", "unique keys", "(object_id, ring)"),
    ),
    "ring without object_id": (
        [f"update polygons set object_id = null where object_id = {FIRST_OBJECT}"],
        ("polygons.integrity", "keys not null", "polygons.object_id"),
    ),
    "negative ring": (
        [f"update polygons set ring = -1 where object_id = {FIRST_OBJECT}"],
        ("polygons.integrity", "domains", "ring >= 0"),
    ),
    "ring of two vertices": (
        [f"insert into polygons values ({FIRST_OBJECT}, 7, 2, [{{'x': 0, 'y': 0}}, {{'x': 5, 'y': 5}}])"],
        ("polygons.integrity", "vertices per ring", "n_vertices >= 3"),
    ),
    "no image": (  # a source of which nothing could be read: every other check passes on nothing
        ["delete from images"],
        ("images.integrity", "not empty", "at least one image"),
    ),
    "gap in draw_order": (
        [f"update objects set draw_order = draw_order + 100 where object_id = {FIRST_OBJECT}"],
        ("check_draw_order.integrity", "draw_order contiguous", "objects + rejects of each image are 0..n-1"),
    ),
    "orphan object": (
        [f"update objects set image_id = 'nowhere_000000_000019' where object_id = {FIRST_OBJECT}"],
        ("check_foreign_keys.integrity", "foreign keys", "objects.image_id -> images"),
    ),
    "orphan ring": (
        [f"update polygons set object_id = 'nowhere#0' where object_id = {FIRST_OBJECT}"],
        ("check_foreign_keys.integrity", "foreign keys", "polygons.object_id -> objects"),
    ),
    "orphan reject": (
        ["update rejects set image_id = 'nowhere_000000_000019' where image_id is not null"],
        ("check_foreign_keys.integrity", "foreign keys", "rejects.image_id -> images"),
    ),
    "a foreign key left unchecked": (  # its sum runs over no rows: 0, a pass in both engines
        [
            "alter view check_foreign_keys rename to every_foreign_key",
            "create view check_foreign_keys as select * from every_foreign_key "
            "where foreign_key <> 'rejects.image_id -> images'",
        ],
        ("check_foreign_keys.integrity", "foreign keys", "every foreign key checked"),
    ),
    "negative x_min": (
        [f"update objects set x_min = -1 where object_id = {FIRST_OBJECT}"],
        ("check_object_bounds.integrity", "bbox inside the image", "x_min >= 0"),
    ),
    "negative y_min": (
        [f"update objects set y_min = -1 where object_id = {FIRST_OBJECT}"],
        ("check_object_bounds.integrity", "bbox inside the image", "y_min >= 0"),
    ),
    "x_max past the image": (
        [f"update objects set x_max = 5000 where object_id = {FIRST_OBJECT}"],
        ("check_object_bounds.integrity", "bbox inside the image", "x_max <= width - 1"),
    ),
    "y_max past the image": (
        [f"update objects set y_max = 5000 where object_id = {FIRST_OBJECT}"],
        ("check_object_bounds.integrity", "bbox inside the image", "y_max <= height - 1"),
    ),
    "null x_max": (  # GX cannot compare a null in a nullable column: an error, in both engines
        [f"update objects set x_max = null where object_id = {FIRST_OBJECT}"],
        ("check_object_bounds.integrity", "bbox inside the image", "x_max <= width - 1"),
    ),
    "an object read but neither loaded nor rejected": (
        ["update build_info set objects_read = objects_read + 1"],
        ("check_objects_read.integrity", "objects accounted for", "objects_read - objects - rejects"),
    ),
}


@pytest.fixture(scope="module")
def replica(small_replica) -> Path:
    return small_replica


@pytest.fixture(scope="module")
def warehouse(small_warehouse) -> Path:
    return small_warehouse


def outcomes(report) -> list[tuple]:
    """Everything an engine decides about each expectation; an error's wording is its own."""
    return [
        (
            r.suite,
            r.group,
            r.key,
            r.success,
            r.observed,
            type(r.observed),
            r.expected,
            r.per_row,
            r.examples,
            r.error is None,
        )
        for r in report.results
    ]


def both_engines(database: Path, suites: list[str] | None = None, expectations_dir: Path = EXPECTATIONS_DIR):
    ours = validate_in_duckdb(database, suites, expectations_dir)
    theirs = validate_warehouse(database, suites, expectations_dir)
    return ours, theirs


def broken_copy(warehouse: Path, folder: Path, statements: list[str]) -> Path:
    folder.mkdir()
    shutil.copy(warehouse / "warehouse.duckdb", folder / "warehouse.duckdb")
    execute_on(folder / "warehouse.duckdb", statements)
    return folder


def write_suite(folder: Path, name: str, expectations: list[dict], **meta) -> Path:
    folder.mkdir(exist_ok=True)
    doc = {
        "name": name,
        "meta": {"purpose": name.split(".")[1], "required": True, **meta},
        "expectations": expectations,
    }
    (folder / f"{name}.json").write_text(json.dumps(doc))
    return folder


# --- parity -------------------------------------------------------------------------------------


def test_both_engines_agree_on_every_committed_suite_of_a_small_replica(warehouse):
    ours, theirs = both_engines(warehouse)
    assert outcomes(ours) == outcomes(theirs)
    assert ours.passed and not ours.all_passed  # the full-scale published counts fail at this scale


def test_both_engines_agree_on_published_counts_scaled_to_the_replica(warehouse, replica, tmp_path):
    suites = tmp_path / "expectations"
    write_published_suites(suites, replica_figures(json.loads((replica / "truth.json").read_text())))
    ours, theirs = both_engines(warehouse, None, suites)
    assert outcomes(ours) == outcomes(theirs)
    assert ours.all_passed, render_text(ours)


def test_mutations_break_every_integrity_expectation():
    broken = {expected for _, expected in MUTATIONS.values()}
    integrity = {
        (s.name, e["meta"]["group"], e["meta"]["key"])
        for s in load_suites(required_suite_names(), check_with_gx=False)
        for e in s.expectations
    }
    assert broken == integrity


@pytest.mark.parametrize("mutation", MUTATIONS)
def test_both_engines_agree_on_a_broken_warehouse(warehouse, tmp_path, mutation):
    statements, expected = MUTATIONS[mutation]
    ours, theirs = both_engines(broken_copy(warehouse, tmp_path / "broken", statements), required_suite_names())
    assert outcomes(ours) == outcomes(theirs)
    assert expected in {(r.suite, r.group, r.key) for r in ours.failures()}


def test_examples_are_the_first_three_rows_breaking_a_rule_in_table_order(warehouse, tmp_path):
    statements, _ = MUTATIONS["labels not in the label table"]
    report = validate_in_duckdb(broken_copy(warehouse, tmp_path / "broken", statements), ["objects.integrity"])
    label = next(r for r in report.results if r.key == "label in the label table")
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    first = [row[0] for row in con.sql("select object_id from objects limit 3").fetchall()]
    con.close()
    assert (label.observed, label.examples) == (6, tuple(first))


def test_examples_without_example_columns_are_the_distinct_values_breaking_the_rule(warehouse, tmp_path):
    statements, _ = MUTATIONS["labels not in the label table"]
    broken = broken_copy(warehouse, tmp_path / "broken", statements)
    suite = load_suite(EXPECTATIONS_DIR / "objects.integrity.json", check_with_gx=False)
    suites = write_suite(tmp_path / "expectations", "objects.integrity", suite.expectations)
    ours, theirs = both_engines(broken, None, suites)
    assert outcomes(ours) == outcomes(theirs)
    assert next(r for r in ours.results if r.key == "label in the label table").examples == ("spaceship", "ufo")


def expectation(key: str, kind: str, **kwargs) -> dict:
    return {"meta": {"group": "variants", "key": key}, "type": kind, "kwargs": kwargs}


def where(column: str, value: object) -> dict:
    return {"type": "comparison", "column": {"name": column}, "operator": "==", "parameter": value}


AACHEN_OR_BERLIN = {
    "type": "or",
    "conditions": [where("image_id", "aachen_000000_000019"), where("image_id", "berlin_000000_000019")],
}
VARIANTS = {  # kwargs and types the committed integrity suites do not use
    "images.variants": [
        expectation(
            "tie",
            "expect_column_most_common_value_to_be_in_set",
            column="split",
            value_set=["train"],
            row_condition=AACHEN_OR_BERLIN,
        ),
        expectation(
            "tie allowed",
            "expect_column_most_common_value_to_be_in_set",
            column="split",
            value_set=["train"],
            ties_okay=True,
            row_condition=AACHEN_OR_BERLIN,
        ),
        expectation(
            "and inside or",
            "expect_table_row_count_to_be_between",
            min_value=1,
            max_value=1,
            row_condition={
                "type": "or",
                "conditions": [
                    {"type": "and", "conditions": [where("split", "train"), where("city", "aachen")]},
                    where("image_id", "berlin_000000_000019"),
                ],
            },
        ),
        expectation("no split named", "expect_column_values_to_be_in_set", column="split", value_set=[]),
        expectation(
            "width strictly between",
            "expect_column_values_to_be_between",
            column="width",
            min_value=0,
            max_value=2048,
            strict_max=True,
        ),
        expectation(
            "sum strictly above",
            "expect_column_sum_to_be_between",
            column="height",
            min_value=1024,
            strict_min=True,
            row_condition=where("image_id", "aachen_000000_000019"),
        ),
    ],
    "objects.variants": [
        expectation(
            "more than 3 vertices",
            "expect_column_values_to_be_between",
            column="n_vertices",
            min_value=3,
            strict_min=True,
        ),
        expectation("no car", "expect_column_values_to_not_be_in_set", column="label", value_set=["car", "bus"]),
        expectation(
            "one car per image",
            "expect_column_values_to_be_unique",
            column="image_id",
            row_condition=where("label", "car"),
        ),
        expectation(
            "x_max right of x_min",
            "expect_column_pair_values_a_to_be_greater_than_b",
            column_A="x_max",
            column_B="x_min",
        ),
        expectation("area sum", "expect_column_sum_to_be_between", column="area_px", min_value=0),
    ],
}


def test_both_engines_agree_on_kwargs_and_types_the_integrity_suites_do_not_use(warehouse, tmp_path):
    folder = tmp_path / "expectations"
    for name, items in VARIANTS.items():
        write_suite(folder, name, items, example_columns=[f"{name.split('.')[0][:-1]}_id"])
    ours, theirs = both_engines(warehouse, None, folder)
    assert outcomes(ours) == outcomes(theirs)
    tie = next(r for r in ours.results if r.key == "tie")
    assert (tie.observed, tie.success) == ("test, train", False)
    assert {r.key for r in ours.failures()} >= {
        "tie",
        "no split named",
        "width strictly between",
        "sum strictly above",
        "more than 3 vertices",
        "no car",
        "one car per image",
    }


# --- one scan, or the frame ---------------------------------------------------------------------


def frames_made(monkeypatch) -> list[str]:
    """The suites the engine runs on a numbered frame from now on (the others were answered in one scan)."""
    made = []
    on_frame = duckdb_engine._run_on_frame

    def recorded(con, suite, *args):
        made.append(suite.name)
        return on_frame(con, suite, *args)

    monkeypatch.setattr(duckdb_engine, "_run_on_frame", recorded)
    return made


def test_a_suite_no_row_breaks_is_answered_in_one_scan_with_the_frames_results(warehouse, monkeypatch):
    made = frames_made(monkeypatch)
    in_one_scan = validate_in_duckdb(warehouse, required_suite_names())
    assert made == []
    monkeypatch.setattr(duckdb_engine, "_passed_in_one_scan", lambda *args: None)
    on_frames = validate_in_duckdb(warehouse, required_suite_names())
    assert len(made) == len(required_suite_names())
    assert outcomes(in_one_scan) == outcomes(on_frames)
    assert in_one_scan.passed


def test_only_a_suite_where_a_row_breaks_a_rule_runs_on_its_frame(warehouse, tmp_path, monkeypatch):
    statements, (suite, _, _) = MUTATIONS["labels not in the label table"]
    broken = broken_copy(warehouse, tmp_path / "broken", statements)
    made = frames_made(monkeypatch)
    report = validate_in_duckdb(broken, required_suite_names())
    assert made == [suite]  # its examples come from the frame
    assert {r.suite for r in report.failures()} == {suite}


def test_a_scan_that_fails_to_run_leaves_each_expectation_its_own_error(warehouse, tmp_path):
    # a number compared with a string: DuckDB refuses the query, in one scan as on the frame
    folder = write_suite(
        tmp_path / "expectations",
        "objects.integrity",
        [
            UNIQUE,
            {
                "meta": {"group": "bounds", "key": "label as a number"},
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "label", "min_value": 0},
            },
        ],
        example_columns=["object_id"],
    )
    ours, theirs = both_engines(warehouse, None, folder)
    assert [(r.key, r.success, r.error is None) for r in ours.results] == [
        ("object_id", True, True),
        ("label as a number", False, False),
    ]
    assert outcomes(ours) == outcomes(theirs)


def test_a_suite_reading_a_column_named_as_the_frames_own_is_refused(tmp_path):
    database = tmp_path / "warehouse.duckdb"
    execute_on(database, ["create table images as select 1 as image_id, 5 as audit_row"])
    folder = write_suite(
        tmp_path / "expectations",
        "images.integrity",
        [
            {
                "meta": {"group": "bounds", "key": "audit_row"},
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": "audit_row", "min_value": 0, "max_value": 9},
            }
        ],
        example_columns=["image_id"],
    )
    with pytest.raises(ChecksError, match="images.integrity.json: the audit cannot read a column named audit_row"):
        validate_in_duckdb(database, None, folder, only_present=False)


# --- refusals -----------------------------------------------------------------------------------

UNIQUE = {
    "meta": {"group": "unique keys", "key": "object_id"},
    "type": "expect_column_values_to_be_unique",
    "kwargs": {"column": "object_id"},
}


@pytest.mark.parametrize(
    ("expectation", "named"),
    [
        (
            {"type": "expect_column_mean_to_be_between", "kwargs": {"column": "n_vertices", "min_value": 3}},
            "does not run this type",
        ),
        (
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "label", "mostly": 0.99}},
            "does not take mostly",
        ),
        (  # GX refuses it when it loads the suite; the audit loads suites without GX
            {"type": "expect_compound_columns_to_be_unique", "kwargs": {"column_list": ["object_id"]}},
            "column_list must name at least two columns",
        ),
        (
            {
                "type": "expect_table_row_count_to_be_between",
                "kwargs": {
                    "min_value": 1,
                    "row_condition": {
                        "type": "comparison",
                        "column": {"name": "n_vertices"},
                        "operator": ">",
                        "parameter": 3,
                    },
                },
            },
            "row conditions that compare a column with ==",
        ),
    ],
)
def test_an_expectation_the_engine_cannot_run_is_refused_naming_file_index_and_type(
    warehouse, tmp_path, expectation, named
):
    expectation = {"meta": {"group": "g", "key": "k"}, **expectation}
    suites = write_suite(tmp_path / "expectations", "objects.integrity", [UNIQUE, expectation])
    with pytest.raises(
        SuiteError,
        match=rf"objects\.integrity\.json: expectation 1 \({expectation['type']}\): "
        f".*{named}",
    ):
        validate_in_duckdb(warehouse, None, suites)


def test_loading_without_gx_keeps_the_structural_checks(tmp_path):
    bad = {**UNIQUE, "kwargs": {"column": "object_id", "row_condition": "label == 'car'"}}
    suites = write_suite(tmp_path / "expectations", "objects.integrity", [UNIQUE, bad])
    with pytest.raises(SuiteError, match=r"expectation 1 \(expect_column_values_to_be_unique\): .*GX Condition"):
        load_suite(suites / "objects.integrity.json", check_with_gx=False)


# --- the audit ----------------------------------------------------------------------------------

AUDIT_TWICE = """
import sys
from pathlib import Path
from cityscapes_warehouse.audit import AuditError, audit
assert audit(Path(sys.argv[1])).passed
try:
    audit(Path(sys.argv[1]), expect_published=True)
except AuditError:
    pass
print(sorted({name.split(".")[0] for name in sys.modules} & {"great_expectations", "pandas"}))
"""


def test_audit_imports_neither_great_expectations_nor_pandas(warehouse):
    done = subprocess.run([sys.executable, "-c", AUDIT_TWICE, str(warehouse)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_audit_expecting_published_counts_blocks_on_them_only(warehouse):
    with pytest.raises(AuditError) as error:
        audit(warehouse, expect_published=True)
    assert error.value.blocking and {r.purpose for r in error.value.blocking} == {"published"}
    assert {r.purpose for r in error.value.report.results} == {"integrity", "published"}
    assert len(error.value.report.suites) == sum(
        1 for p in suite_paths() if ".integrity." in p.name or ".published." in p.name
    )
