"""`build --engine spark` gives the DuckDB build's warehouse, row for row, and keeps write-audit-publish."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from cityscapes_warehouse.schemas import TABLES
from conftest import tables_differing_from_parquet, write_folder, write_zip

# build_info says when and how long: the rest of it must match
BUILD_INFO_SAME = "tool_version, source_kind, synthetic, files_read, objects_read, pixels"


# the Spark build's tasks parse (and rasterise) batches of at most this many files, so that several
# batches' heatmaps are summed; the DuckDB build rasterises the replica in one batch
TASK_BATCH_FILES = 16
# rows in every table of the replica's builds: label_image_mismatches from its tampered PNG
NEVER_EMPTY = [t for t in TABLES if t != "build_info"]


@pytest.fixture(scope="module")
def builds(spark, small_replica_with_label_pngs, tmp_path_factory):
    """The small replica (label PNGs, one tampered) with a few copies of one image added, built by
    both engines with the pixel stage and the label PNG comparison."""
    from cityscapes_warehouse import Warehouse
    from cityscapes_warehouse.config import Settings
    from cityscapes_warehouse.spark.build import build_on_spark

    root = tmp_path_factory.mktemp("spark-build")
    gtfine = small_replica_with_label_pngs / "gtFine"
    first = sorted(gtfine.rglob("*.json"))[0]
    copy = gtfine / "val" / first.parent.name / first.name  # the same image in another split: one is rejected
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(first.read_bytes())
    settings = replace(Settings(), batch_files=TASK_BATCH_FILES)
    try:
        duck, duck_summary = Warehouse.build(small_replica_with_label_pngs, root / "duck", check_label_pngs=True)
        summary = build_on_spark(
            small_replica_with_label_pngs, root / "spark", spark, settings=settings, check_label_pngs=True
        )
    finally:
        copy.unlink()
    assert duck_summary.images > 3 * TASK_BATCH_FILES  # several batches
    return duck, Warehouse(root / "spark"), summary


def rows(wh, sql: str) -> list[tuple]:
    con = wh.connect()
    try:
        return sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()


@pytest.mark.parametrize("table", NEVER_EMPTY)
def test_spark_build_table_equals_duckdb_build(builds, table):
    duck, spark_wh, _ = builds
    expected = rows(duck, f'select * from "{table}"')
    assert expected, f"{table} is empty: the comparison would prove nothing"
    assert rows(spark_wh, f'select * from "{table}"') == expected


def test_spark_builds_database_has_the_duckdb_builds_columns_and_opens_in_oldest_duckdb(builds, oldest_duckdb_python):
    """warehouse.duckdb written from Spark's Parquet files: the DuckDB build's column types and
    compression, in a storage format the oldest DuckDB the package declares reads."""
    duck, spark_wh, _ = builds
    kinds = "select table_name, column_name, data_type from duckdb_columns() order by all"
    assert rows(spark_wh, kinds) == rows(duck, kinds)
    objects = (
        "select distinct column_name, compression from pragma_storage_info('objects') where segment_type <> 'VALIDITY'"
    )
    assert rows(spark_wh, objects) == rows(duck, objects)
    assert tables_differing_from_parquet(oldest_duckdb_python, spark_wh.path) == {}


def test_the_spark_builds_database_is_written_under_a_path_with_a_quote_and_glob_characters(tiny_warehouse, tmp_path):
    """The Spark build's last step, warehouse.duckdb from the Parquet files (no Spark needed): a quote
    or a glob character in the output's path broke the statement reading them, after the whole job."""
    import duckdb

    from cityscapes_warehouse.config import Settings
    from cityscapes_warehouse.spark.build import _write_database

    staging = tmp_path / "it's [a] warehouse*"
    shutil.copytree(tiny_warehouse.path / "tables", staging / "tables")
    _write_database(staging, Settings())
    written = duckdb.connect(str(staging / "warehouse.duckdb"), read_only=True)
    try:
        for table in TABLES:
            expected = rows(tiny_warehouse, f'select * from "{table}"')
            assert sorted(written.execute(f'select * from "{table}"').fetchall(), key=repr) == expected, table
        assert written.execute("select count(*) from objects").fetchone()[0] > 0
    finally:
        written.close()


def test_spark_build_compared_every_image_with_its_label_pngs(builds):
    duck, _, summary = builds
    assert summary.pixels
    assert summary.label_pngs_compared == summary.images == rows(duck, "select count(*) from images")[0][0]


def test_spark_build_without_pixels_writes_the_pixel_tables_empty(spark, tmp_path):
    from cityscapes_warehouse import Warehouse
    from cityscapes_warehouse.pixels import PIXEL_TABLES
    from cityscapes_warehouse.spark.build import build_on_spark

    build_on_spark(write_folder(tmp_path / "src"), tmp_path / "wh", spark)
    wh = Warehouse(tmp_path / "wh")
    assert rows(wh, "select count(*) from objects")[0][0] > 0
    assert [rows(wh, f"select count(*) from {table}")[0][0] for table in PIXEL_TABLES] == [0] * len(PIXEL_TABLES)


def test_spark_build_read_the_copy_as_the_duckdb_build_did(builds):
    duck, spark_wh, summary = builds
    sql = "select reason, count(*) from rejects group by reason"
    assert dict(rows(duck, sql)).get("duplicate_image", 0) > 0
    assert rows(spark_wh, sql) == rows(duck, sql)
    assert summary.rejects_by_reason == dict(rows(duck, sql))


def test_spark_build_info_matches_but_for_time(builds):
    duck, spark_wh, _ = builds
    sql = f"select {BUILD_INFO_SAME} from build_info"
    assert rows(spark_wh, sql) == rows(duck, sql)


def test_spark_build_writes_part_files_under_tables(builds):
    _, spark_wh, _ = builds
    for table in TABLES:
        files = list((spark_wh.path / "tables" / table).iterdir())
        assert files and all(f.suffix == ".parquet" for f in files), table


def test_spark_build_splits_files_into_a_few_tasks_per_core(spark, builds):
    """Spark's 4 MB guess per file made a task of every 31 files of 130 kB: 161 tasks per step and
    161 Parquet files per table for the release on 2 cores. Now at least three tasks per core, no more
    files per table than the files' bytes need, and the session's settings as they were."""
    _, spark_wh, _ = builds
    cores = spark.sparkContext.defaultParallelism
    parsed = list((spark_wh.path / "tables" / "objects").glob("*.parquet"))
    assert cores * 3 <= len(parsed) <= cores * 3 + 2  # the copies' own task, and a rounding remainder
    # the session's settings as they were: Spark's default open cost back, no minimum of tasks left set
    assert spark.conf.get("spark.sql.files.openCostInBytes").rstrip("b") == str(4 * 1024 * 1024)
    assert spark.conf.get("spark.sql.files.minPartitionNum", None) is None


def test_spark_build_passed_the_audit_in_spark_sql(builds):
    _, _, summary = builds
    assert summary.checks.results and not summary.checks.failures()


def test_spark_audit_finds_a_duplicated_key(spark, builds):
    from cityscapes_warehouse.spark import register
    from cityscapes_warehouse.spark.audit import audit_in_spark

    _, spark_wh, _ = builds
    register(spark, spark_wh.path)
    objects = spark.table("objects")
    objects.unionByName(objects.limit(1)).createOrReplaceTempView("objects")
    try:
        failed = audit_in_spark(spark).failures()
    finally:
        register(spark, spark_wh.path)
    assert [f.observed for f in failed if "expect_column_values_to_be_unique" in f.expectation] == [2]


def test_failed_audit_leaves_the_published_warehouse(spark, builds, tmp_path, monkeypatch):
    from cityscapes_warehouse.spark import build as spark_build
    from cityscapes_warehouse.spark.audit import SparkAudit, SparkAuditError, SparkCheck

    _, spark_wh, _ = builds
    src = write_folder(tmp_path / "src")
    out = tmp_path / "wh"
    spark_build.build_on_spark(src, out, spark)
    before = sorted(p.name for p in (out / "tables" / "images").iterdir())
    failing = SparkAudit([SparkCheck("objects.integrity", "integrity", "objects.integrity.json #0", 1, False)])
    monkeypatch.setattr(spark_build, "audit_in_spark", lambda *_: failing)
    with pytest.raises(SparkAuditError, match="1 check"):
        spark_build.build_on_spark(src, out, spark)
    assert sorted(p.name for p in (out / "tables" / "images").iterdir()) == before
    assert not list(tmp_path.glob(".wh.staging-*"))


def test_zip_is_refused_with_how_to_extract_it(spark, tmp_path):
    from cityscapes_warehouse.spark.build import SparkBuildError, build_on_spark

    with pytest.raises(SparkBuildError, match=r"extract it first \(unzip -q gtFine_trainvaltest.zip -d DIR"):
        build_on_spark(write_zip(tmp_path / "gtFine_trainvaltest.zip"), tmp_path / "wh", spark)
    assert not (tmp_path / "wh").exists()


def test_cli_engine_spark_refuses_a_zip_without_a_traceback(tmp_path, capsys):
    pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    from cityscapes_warehouse.cli import main

    code = main(["build", str(write_zip(tmp_path / "gtFine_trainvaltest.zip")), "--engine", "spark"])
    err = capsys.readouterr().err
    assert code == 2 and "build: error:" in err and "extract it first" in err and "Traceback" not in err


def test_spark_strict_passes_on_the_release_conventions_and_fails_on_a_fault(spark, tmp_path):
    from cityscapes_warehouse.build import StrictError
    from cityscapes_warehouse.spark.build import build_on_spark
    from conftest import TINY

    # deleted objects and 2-point polygons are the release's conventions, as in the DuckDB build
    files = {rel: [obj for obj in objects if obj["label"] != "spaceship"] for rel, objects in TINY.items()}
    summary = build_on_spark(write_folder(tmp_path / "ok", files), tmp_path / "wh-ok", spark, strict=True)
    assert set(summary.rejects_by_reason) == {"deleted", "too_few_points"}
    assert (tmp_path / "wh-ok").is_dir()

    with pytest.raises(StrictError) as refused:  # TINY itself holds one unknown label
        build_on_spark(write_folder(tmp_path / "bad"), tmp_path / "wh-bad", spark, strict=True)
    assert refused.value.summary.faults_by_reason == {"unknown_label": 1}
    examples = str(refused.value).split("\n", 1)[1]
    assert "spaceship" in examples and "deleted" not in examples and "too_few_points" not in examples
    assert not (tmp_path / "wh-bad").exists()


# --- files Spark reads otherwise than the folder adapter: each a reject or a refusal, never a failed job


def test_a_file_over_sparks_2_gib_read_limit_is_a_too_large_reject(spark, tmp_path):
    from cityscapes_warehouse.spark.build import build_on_spark

    root = write_folder(tmp_path / "src")
    with open(root / "gtFine/train/aachen/aachen_000009_000019_gtFine_polygons.json", "wb") as file:
        file.truncate(2**31 + 1)  # sparse: no disk used; a file this long failed binaryFile's read, and the job
    summary = build_on_spark(root, tmp_path / "wh", spark)
    assert summary.rejects_by_reason["too_large"] == 1


def test_an_upper_case_json_file_is_a_reject_as_in_the_duckdb_build(spark, tmp_path):
    from cityscapes_warehouse.spark.build import build_on_spark

    root = write_folder(tmp_path / "src")
    (root / "gtFine/train/aachen/aachen_000009_000019_gtFine_polygons.JSON").write_text("{}")
    summary = build_on_spark(root, tmp_path / "wh", spark)
    assert summary.rejects_by_reason["bad_file_name"] == 1


def _colon(city):
    (city / "aachen:1.json").write_text("{}")


def _not_utf8(city):
    (Path(os.fsdecode(os.fsencode(city) + b"/aachen\xff.json"))).write_text("{}")


def _hidden(city):
    (city / ".aachen_000009_000019_gtFine_polygons.json").write_text("{}")


def _hidden_folder(city):
    (city.parent / "_aachen").mkdir()
    (city.parent / "_aachen" / "aachen_000009_000019_gtFine_polygons.json").write_text("{}")


def _dangling_link(city):
    (city / "aachen_000009_000019_gtFine_polygons.json").symlink_to(city / "nowhere")


def _fifo(city):
    os.mkfifo(city / "aachen_000009_000019_gtFine_polygons.json")


@pytest.mark.parametrize("unreadable", [_colon, _not_utf8, _hidden, _hidden_folder, _dangling_link, _fifo])
def test_a_file_spark_cannot_read_as_the_folder_adapter_refuses_the_build_naming_it(spark, tmp_path, unreadable):
    """A colon failed the job (exit 70); the others Spark skipped unseen, where the DuckDB build rejects them."""
    from cityscapes_warehouse.spark.build import SparkBuildError, build_on_spark

    root = write_folder(tmp_path / "src")
    unreadable(root / "gtFine/train/aachen")
    with pytest.raises(SparkBuildError, match=r"aachen.*--engine duckdb"):
        build_on_spark(root, tmp_path / "wh", spark)
    assert not (tmp_path / "wh").exists()


def test_a_folder_link_back_into_the_source_refuses_the_build_naming_it(spark, tmp_path):
    """The folder adapter enters each folder once; Spark followed the loop, rejecting its files at every level."""
    from cityscapes_warehouse.spark.build import SparkBuildError, build_on_spark

    root = write_folder(tmp_path / "src")
    (root / "gtFine/train/aachen/loop").symlink_to(root / "gtFine/train")
    with pytest.raises(SparkBuildError, match=r"gtFine/train/aachen/loop.*--engine duckdb"):
        build_on_spark(root, tmp_path / "wh", spark)


@pytest.mark.parametrize(("under", "images"), [("gtFine/train", 2), ("gtFine/val/frankfurt", 1)])
def test_a_split_or_city_folder_is_read_alone_as_in_the_duckdb_build(spark, tmp_path, under, images):
    """Spark read the whole gtFine folder above it: every split and city."""
    from cityscapes_warehouse.spark.build import build_on_spark

    summary = build_on_spark(write_folder(tmp_path / "src") / under, tmp_path / "wh", spark)
    assert (summary.files_read, summary.images) == (images, images)


def test_an_empty_polygon_file_refuses_the_build_naming_it(spark, tmp_path):
    """Spark's file scan leaves out files of 0 bytes: the file was skipped unseen, where the DuckDB build rejects it."""
    from cityscapes_warehouse.spark.build import SparkBuildError, build_on_spark

    root = write_folder(tmp_path / "src")
    (root / "gtFine/train/aachen/aachen_000009_000019_gtFine_polygons.json").write_bytes(b"")
    with pytest.raises(SparkBuildError, match=r"aachen_000009_000019_gtFine_polygons.json.*--engine duckdb"):
        build_on_spark(root, tmp_path / "wh", spark)
