"""The suites on warehouses built from the synthetic replica: clean, mutated, and at full scale.

A small replica (scale 0.02) is checked against its own figures (truth.json at that scale): the
published-count suites are written for it into a tmp folder, beside copies of the other suites.
Each mutation changes one file of a copy of the replica; validation must then fail on exactly
the figures that mutation changes, and name them.
"""

from __future__ import annotations

import json
import shutil
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.checks import required_suite_names, validate_warehouse
from cityscapes_warehouse.checks.published_suites import replica_figures, write_published_suites
from cityscapes_warehouse.checks.render import render_html, render_markdown, render_text
from cityscapes_warehouse.checks.suites import suite_paths
from cityscapes_warehouse.replica import write_replica
from cityscapes_warehouse.resources import SQL_DIR


def add_check_views(warehouse: Path) -> None:
    """Create the sql/checks views, which the build makes only once that layer is in SQL_LAYERS."""
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"))
    try:
        for path in sorted((SQL_DIR / "checks").glob("*.sql")):
            con.execute(path.read_text())
    finally:
        con.close()


def build_checked(source: Path, out: Path) -> Path:
    Warehouse.build(source, out)
    add_check_views(out)
    return out


def suites_for(truth: dict, out: Path) -> Path:
    """The committed suites, with the published counts replaced by the replica's own figures."""
    out.mkdir()
    for path in suite_paths():
        if not path.name.endswith(".published.json"):
            shutil.copy(path, out / path.name)
    write_published_suites(out, replica_figures(truth))
    return out


@pytest.fixture(scope="module")
def replica(small_replica) -> Path:
    return small_replica


@pytest.fixture(scope="module")
def truth(replica) -> dict:
    return json.loads((replica / "truth.json").read_text())


@pytest.fixture(scope="module")
def scaled_suites(tmp_path_factory, truth) -> Path:
    return suites_for(truth, tmp_path_factory.mktemp("suites") / "expectations")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory, replica) -> Path:
    return build_checked(replica, tmp_path_factory.mktemp("built") / "warehouse")


@pytest.fixture(scope="module")
def scaled_report(warehouse, scaled_suites):
    return validate_warehouse(warehouse, expectations_dir=scaled_suites)


# --- the clean replica -------------------------------------------------------------------------


def test_small_replica_passes_every_required_suite(warehouse):
    report = validate_warehouse(warehouse, suites=required_suite_names())
    assert report.passed and report.all_passed, render_text(report)
    assert {r.purpose for r in report.results} == {"integrity"}


def test_small_replica_matches_its_own_published_figures(scaled_report):
    assert scaled_report.all_passed, render_text(scaled_report)
    assert len(scaled_report.suites) == len(suite_paths())


def test_full_scale_counts_on_a_small_replica_are_reported_without_failing_the_gate(warehouse, truth):
    report = validate_warehouse(warehouse)
    assert report.passed and not report.all_passed
    assert {r.purpose for r in report.failures()} == {"published"}
    car = next(r for r in report.results if r.name == ("objects per class", "car"))
    assert (car.expected, car.observed) == (31824, truth["classes"]["car"]["objects"])
    assert f"FAIL class_stats: objects per class: car expected 31824, found {car.observed}" in render_text(report)


def test_findings_count_the_faults_the_replica_planted(scaled_report, truth):
    found = {r.key: r.observed for r in scaled_report.findings()}
    faults = truth["faults"]
    assert found["invalid polygons"] == faults["self_intersecting"]
    assert found["out-of-bounds vertices"] == faults["outside_border"]
    assert found["too_few_points"] == faults["points_0"] + faults["points_1"] + faults["points_2"]
    assert found["deleted"] == faults["deleted"]
    assert "duplicate_image" not in found  # a reason with no reject is no finding


def test_results_carry_suite_role_group_key_and_both_figures(scaled_report, truth):
    aachen = next(r for r in scaled_report.results if r.name == ("images per city", "aachen"))
    assert (aachen.suite, aachen.table, aachen.required) == ("city_stats.published", "city_stats", False)
    assert aachen.expected == aachen.observed == truth["cities"]["aachen"]["images"]
    split = next(r for r in scaled_report.results if r.name == ("split of city", "aachen"))
    assert (split.expected, split.observed) == ("train", "train")


def test_markdown_and_html_reports_are_self_contained(warehouse):
    report = validate_warehouse(warehouse, suites=["split_stats.published", "objects.integrity"])
    markdown, html = render_markdown(report), render_html(report)
    assert "| class_stats" not in markdown and "| split_stats | total | images | 5000 |" in markdown
    assert html.startswith("<!doctype html>") and "<style>" in html
    assert "http" not in html.replace(str(report.database), "") and "<script" not in html and "<link" not in html


def test_a_missing_check_view_is_named(tmp_path, replica):
    import duckdb

    wh, _ = Warehouse.build(replica, tmp_path / "plain")
    con = duckdb.connect(str(wh.database))
    con.execute("drop view check_draw_order")
    con.close()
    with pytest.raises(Exception, match="no table or view 'check_draw_order'.*sql/checks"):
        validate_warehouse(tmp_path / "plain", suites=["check_draw_order.integrity"])


# --- mutations -----------------------------------------------------------------------------------


def counted_labels(polygon_file: Path) -> Counter:
    """Labels of the objects a file contributes to the published counts (>= 3 points, not deleted)."""
    objects = json.loads(polygon_file.read_text())["objects"]
    return Counter(o["label"] for o in objects if len(o.get("polygon", [])) >= 3 and not o.get("deleted"))


def polygon_files(root: Path, split: str) -> list[Path]:
    return sorted((root / "gtFine" / split).rglob("*_gtFine_polygons.json"))


def validate_mutated(source: Path, tmp_path: Path, suites: Path):
    return validate_warehouse(build_checked(source, tmp_path / "warehouse"), expectations_dir=suites)


@pytest.fixture
def copy_of_replica(tmp_path, replica) -> Path:
    shutil.copytree(replica, tmp_path / "replica")
    return tmp_path / "replica"


def per_class(labels, split: str) -> set[tuple[str, str]]:
    return {
        (group, label)
        for label in labels
        for group in ("images per class", "objects per class", f"objects per class in {split}")
    }


def test_removing_one_object_fails_that_class_and_its_split(copy_of_replica, tmp_path, scaled_suites):
    path = next(p for p in polygon_files(copy_of_replica, "train") if counted_labels(p)["car"] >= 2)
    doc = json.loads(path.read_text())
    doc["objects"].pop(next(i for i, o in enumerate(doc["objects"]) if o["label"] == "car"))
    path.write_text(json.dumps(doc, indent=4))

    report = validate_mutated(copy_of_replica, tmp_path, scaled_suites)
    assert report.passed  # integrity holds: the file is simply one object shorter
    assert report.failed_names() == {
        ("total", "objects"),
        ("objects per split", "train"),
        ("objects per class", "car"),
        ("objects per class in train", "car"),
    }
    car = next(r for r in report.failures() if r.name == ("objects per class", "car"))
    assert car.observed == car.expected - 1


def test_moving_a_file_to_another_city_fails_that_city_and_its_classes(copy_of_replica, tmp_path, scaled_suites, truth):
    def movable(path: Path) -> bool:  # its city keeps an image and every class of it stays in the data
        city = path.parent.name
        return truth["cities"][city]["images"] >= 2 and all(
            truth["classes"][label]["images"] >= 2 for label in counted_labels(path)
        )

    path = next(p for p in polygon_files(copy_of_replica, "train") if movable(p))
    city, labels = path.parent.name, counted_labels(path)
    other = next(d for d in sorted(path.parent.parent.iterdir()) if d.name != city)
    path.rename(other / path.name)

    report = validate_mutated(copy_of_replica, tmp_path, scaled_suites)
    assert report.passed and not report.all_passed  # sound but incomplete: validate fails, build publishes
    assert report.failed_names() == {
        ("rejected for a source fault", "city_mismatch"),
        ("total", "images"),
        ("total", "objects"),
        ("images per split", "train"),
        ("objects per split", "train"),
        ("images per city", city),
    } | per_class(labels, "train")
    assert f"images per city: {city} expected {truth['cities'][city]['images']}" in render_text(report)


def test_an_unknown_label_fails_validation_naming_the_label(copy_of_replica, tmp_path, scaled_suites):
    path = polygon_files(copy_of_replica, "val")[0]
    doc = json.loads(path.read_text())
    doc["objects"].append({"label": "spaceship", "polygon": [[1, 1], [50, 1], [50, 50]]})
    path.write_text(json.dumps(doc, indent=4))

    report = validate_mutated(copy_of_replica, tmp_path, scaled_suites)
    assert report.passed and not report.all_passed  # sound but incomplete: validate fails, build publishes
    assert report.failed_names() == {("rejected for a source fault", "unknown_label")}
    assert (
        "FAIL rejects: rejected for a source fault: unknown_label expected 0 rows breaking it, found 1 "
        f"(e.g. gtFine/val/{path.parent.name}/{path.name}, spaceship)" in render_text(report)
    )


def test_a_later_duplicate_under_another_split_fails_integrity_naming_its_path(
    copy_of_replica, tmp_path, scaled_suites
):
    # gtFine/train/... is read before gtFine/val/...: the val copy is the duplicate, the counts stay
    path = polygon_files(copy_of_replica, "train")[0]
    copy = copy_of_replica / "gtFine" / "val" / path.parent.name / path.name
    copy.parent.mkdir(parents=True)
    shutil.copy(path, copy)

    report = validate_mutated(copy_of_replica, tmp_path, scaled_suites)
    assert report.failed_names() == {("rejected for a source fault", "duplicate_image")}
    duplicate = report.failures()[0]
    assert duplicate.observed == len(json.loads(path.read_text())["objects"])
    assert duplicate.examples[0].startswith(f"gtFine/val/{path.parent.name}/{path.name}")


def test_an_earlier_duplicate_under_another_split_moves_the_image_and_fails_both_splits(
    copy_of_replica, tmp_path, scaled_suites
):
    # a val file copied under train is read first: the image now counts in train, the val original is rejected
    path = polygon_files(copy_of_replica, "val")[0]
    city, labels = path.parent.name, counted_labels(path)
    copy = copy_of_replica / "gtFine" / "train" / city / path.name
    copy.parent.mkdir(parents=True)
    shutil.copy(path, copy)

    report = validate_mutated(copy_of_replica, tmp_path, scaled_suites)
    assert report.failed_names() == {
        ("rejected for a source fault", "duplicate_image"),
        ("split of city", city),
        ("images per split", "train"),
        ("images per split", "val"),
        ("objects per split", "train"),
        ("objects per split", "val"),
    } | {(f"objects per class in {split}", label) for label in labels for split in ("train", "val")}
    assert f"split of city: {city} expected val, found train,val" in render_text(report)


# --- full scale ----------------------------------------------------------------------------------


@pytest.mark.full_scale
def test_full_replica_passes_every_suite(tmp_path):
    write_replica(tmp_path / "replica", seed=0, scale=1.0)
    warehouse = build_checked(tmp_path / "replica", tmp_path / "warehouse")
    started = time.perf_counter()
    report = validate_warehouse(warehouse)
    elapsed = time.perf_counter() - started
    print(f"\nvalidated {len(report.results)} expectations in {len(report.suites)} suites: {elapsed:.1f} s")
    print(", ".join(f"{name} {seconds:.2f} s" for name, seconds in report.suite_seconds.items()))
    assert report.all_passed, render_text(report)
