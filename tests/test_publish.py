"""Publishing: a new warehouse replaces the old one whole, a failed build leaves the old one."""

from __future__ import annotations

import json
import os

import pytest

from cityscapes_warehouse import Warehouse, publish, table_writer
from cityscapes_warehouse.audit import SHOWN_FAILURES, AuditError
from cityscapes_warehouse.build import NothingReadError
from cityscapes_warehouse.cli import main as cli_main
from cityscapes_warehouse.manifest import write_manifest
from cityscapes_warehouse.publish import PublishError
from cityscapes_warehouse.user_error import WarehouseError


def test_rebuild_replaces_the_warehouse_and_leaves_no_staging(tmp_path, tiny_folder):
    Warehouse.build(tiny_folder, tmp_path / "wh")
    (tiny_folder / "gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_polygons.json").unlink()
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh")
    assert wh.query("select count(*) from images").item() == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download", "wh"]


def _raising(message: str):
    def broken(*args, **kwargs):
        raise OSError(message)

    return broken


def _appending_fails(monkeypatch) -> None:
    monkeypatch.setattr(table_writer.TableWriter, "append", _raising("disk full"))


def _inserting_fails(monkeypatch) -> None:
    """Inserts run on the writer's own thread: their errors must still reach the build."""
    execute_on = table_writer._execute_on

    def failing_inserts(con, table, sql):
        if sql.startswith("insert"):
            raise OSError("database disk full")
        execute_on(con, table, sql)

    monkeypatch.setattr(table_writer, "_execute_on", failing_inserts)


def _writing_parquet_fails(monkeypatch) -> None:
    """Row groups go to Parquet on the writer's threads: their errors must still reach the build."""
    import pyarrow.parquet as pq

    monkeypatch.setattr(pq.ParquetWriter, "write_table", _raising("parquet disk full"))


@pytest.mark.parametrize(
    ("breaks", "message"),
    [(_appending_fails, "disk full"), (_inserting_fails, "database disk full"), (_writing_parquet_fails, "parquet")],
    ids=["appending", "inserting into duckdb", "writing parquet"],
)
def test_failed_build_leaves_the_previous_warehouse_intact(tmp_path, tiny_folder, monkeypatch, breaks, message):
    Warehouse.build(tiny_folder, tmp_path / "wh")
    breaks(monkeypatch)
    with pytest.raises(OSError, match=message):
        Warehouse.build(tiny_folder, tmp_path / "wh")
    assert Warehouse(tmp_path / "wh").query("select count(*) from objects").item() == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download", "wh"]


def test_a_source_of_which_nothing_can_be_read_replaces_no_warehouse(tmp_path, tiny_folder):
    """A truncated download or a folder of broken files: refused, naming each file, and the
    warehouse built before is still there (an empty one would pass every check of its tables)."""
    Warehouse.build(tiny_folder, tmp_path / "wh")
    broken = tmp_path / "broken" / "gtFine" / "val" / "ulm"
    broken.mkdir(parents=True)
    for frame in range(12):
        (broken / f"ulm_{frame:06d}_000019_gtFine_polygons.json").write_text('{"imgHeight": 1024, "objects": [')
    with pytest.raises(NothingReadError) as refused:
        Warehouse.build(tmp_path / "broken", tmp_path / "wh")
    message = str(refused.value)
    assert "12 file(s), every one rejected (malformed_json 12), so nothing was published" in message
    assert "gtFine/val/ulm/ulm_000000_000019_gtFine_polygons.json: malformed_json" in message
    assert "... and 2 more (the first 10 shown)" in message
    assert Warehouse(tmp_path / "wh").query("select count(*) from objects").item() == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken", "download", "wh"]


def test_an_out_that_is_a_link_is_refused_and_left_as_it_was(tmp_path, tiny_folder):
    """Publishing renames a folder onto --out: a link there would be replaced, its target left stale."""
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "wh").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(PublishError, match="is a symbolic link .* give the folder itself"):
        Warehouse.build(tiny_folder, tmp_path / "wh")
    assert (tmp_path / "wh").is_symlink() and not any((tmp_path / "elsewhere").iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download", "elsewhere", "wh"]


@pytest.mark.parametrize("name", ["a?b", "a\\b"])
def test_an_out_duckdb_cannot_keep_a_database_at_is_refused_before_anything_is_written(tmp_path, tiny_folder, name):
    """DuckDB puts a database's journal before the first '?' of its path (such a build ended in an
    internal error at its first commit) and reads a backslash as a folder separator."""
    with pytest.raises(PublishError, match=r"DuckDB cannot use a database whose path holds a"):
        Warehouse.build(tiny_folder, tmp_path / name)
    with pytest.raises(PublishError, match=r"DuckDB cannot use a database whose path holds a"):
        Warehouse.build(tiny_folder, tmp_path / name / "wh")  # in a parent folder too
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download"]


def test_a_warehouse_moved_under_a_question_mark_is_refused_naming_why(tmp_path, tiny_folder):
    Warehouse.build(tiny_folder, tmp_path / "wh")
    (tmp_path / "x?y").mkdir()
    moved = (tmp_path / "wh").rename(tmp_path / "x?y" / "wh")
    with pytest.raises(WarehouseError, match="holds a '\\?'.* move the warehouse to a folder without one"):
        Warehouse(moved).query("select count(*) from images")


@pytest.mark.parametrize("target", ["a?b", "a\\b"])
def test_a_link_to_a_folder_duckdb_cannot_use_is_refused_by_the_build_and_by_readers(tmp_path, tiny_folder, target):
    """DuckDB looks through links: through `plain -> a?b` a build ended in an internal error, and
    through `plain -> a\\b` a reader opened the warehouse at `a/b` instead."""
    (tmp_path / target).mkdir()
    (tmp_path / "plain").symlink_to(tmp_path / target)
    with pytest.raises(PublishError, match=r"plain/wh \(resolved: .*\): DuckDB cannot use a database whose path"):
        Warehouse.build(tiny_folder, tmp_path / "plain" / "wh")
    assert not any((tmp_path / target).iterdir())
    Warehouse.build(tiny_folder, tmp_path / "wh")
    (tmp_path / "wh").rename(tmp_path / target / "wh")
    (tmp_path / "a" / "b" / "wh").mkdir(parents=True)  # where DuckDB would read `a\\b/wh`
    with pytest.raises(WarehouseError, match=r"\(resolved: .*\): DuckDB cannot use a database whose path"):
        Warehouse(tmp_path / "plain" / "wh").query("select count(*) from images")


def test_dot_dot_after_a_link_is_read_where_the_system_reads_it(tmp_path, tiny_folder):
    """DuckDB read `link/../wh` as `wh` beside the link, not beside the link's target."""
    (tmp_path / "real" / "deep").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real" / "deep")
    Warehouse.build(tiny_folder, tmp_path / "link" / ".." / "wh")
    assert (tmp_path / "real" / "wh" / "warehouse.duckdb").is_file() and not (tmp_path / "wh").exists()
    Warehouse.build(tiny_folder, tmp_path / "wh")  # 3 images beside the link
    (tiny_folder / "gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_polygons.json").unlink()
    Warehouse.build(tiny_folder, tmp_path / "real" / "wh")  # 2 images beside the target
    assert Warehouse(tmp_path / "link" / ".." / "wh").query("select count(*) from images").item() == 2


def test_an_out_that_is_not_utf8_is_refused(tmp_path, tiny_folder):
    """A name of bytes that are not UTF-8 ended in DuckDB's bad_cast, an internal error."""
    out = tmp_path / os.fsdecode(b"w\xff\xfe")
    with pytest.raises(PublishError, match="DuckDB cannot use a database whose path is not UTF-8"):
        Warehouse.build(tiny_folder, out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["download"]


@pytest.mark.parametrize("name", ["md:x", "s3:x", "sqlite:x", ":memory:", "~x"])
def test_an_out_named_like_a_duckdb_prefix_is_built_and_read_there(tmp_path, tiny_folder, monkeypatch, name):
    """Given to DuckDB as they were, these relative paths named another database (MotherDuck, S3,
    SQLite, memory, the home folder): the warehouse was built, and could not be opened."""
    monkeypatch.chdir(tmp_path)
    Warehouse.build(tiny_folder, name)
    assert Warehouse(name).query("select count(*) from images").item() == 3
    assert (tmp_path / name / "warehouse.duckdb").is_file()


@pytest.mark.parametrize("name", ["s3://x", "http://x/y", "c:/x", "file:/y", "~/x", "w[1]"])
def test_an_out_pyarrow_or_polars_read_as_a_uri_or_the_home_folder_is_built_and_read_there(
    tmp_path, tiny_folder, monkeypatch, name
):
    """Given as they were, pyarrow read the first four as URIs (an internal error, or no such folder)
    and a leading `~` as the home folder, where it wrote or looked for the Parquet files; polars read
    `~` the same way and `[1]` as a pattern. The warehouse is the folder the system names, and every
    reader of its Parquet files (polars, the exports) finds it there."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    Warehouse.build(tiny_folder, name)
    assert (work / name / "warehouse.duckdb").is_file() and not any(home.iterdir())
    wh = Warehouse(name)
    objects = wh.query("select count(*) from objects").item()
    assert objects > 0 and wh.table("objects").select("object_id").collect().height == objects
    exported = wh.export("coco", work / "coco")
    annotations = [json.loads(f.read_text())["annotations"] for f in sorted((work / "coco").glob("*.json"))]
    assert exported.objects == objects == sum(map(len, annotations))


def test_an_option_given_the_value_double_dash_is_a_usage_error(tmp_path, tiny_folder, monkeypatch, capsys):
    """argparse dropped the `--` of `--out=--` and gave the build an empty list: an internal error."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exited:
        cli_main(["build", str(tiny_folder), "--out=--", "--quiet"])
    assert exited.value.code == 2
    assert "argument --out: a value of '--' cannot be read" in capsys.readouterr().err
    assert not (tmp_path / "--").exists()
    assert cli_main(["build", str(tiny_folder), "--out=./--", "--quiet"]) == 0
    assert Warehouse(tmp_path / "--").query("select count(*) from images").item() == 3


def test_an_out_inside_the_folder_read_is_refused(tmp_path, tiny_folder):
    """Its manifest would be read as an annotation file by the next build of the same folder."""
    with pytest.raises(PublishError, match="lies inside .* the folder the build reads"):
        Warehouse.build(tiny_folder, tiny_folder / "gtFine" / "wh")
    Warehouse.build(tiny_folder, tiny_folder / "wh")  # beside gtFine/, which is what is read: allowed
    _, again = Warehouse.build(tiny_folder, tiny_folder / "wh")
    assert again.rejects_by_reason == Warehouse.build(tiny_folder, tmp_path / "wh")[1].rejects_by_reason


def test_a_failed_audit_names_its_first_failures_and_counts_the_rest(tmp_path, tiny_folder):
    """A handful of files against the release's published counts: hundreds of failures, a screen of them."""
    with pytest.raises(AuditError) as failed:
        Warehouse.build(tiny_folder, tmp_path / "wh", expect_published=True)
    first, *shown, rest = str(failed.value).splitlines()
    assert first == f"{len(failed.value.blocking)} check(s) failed, so the warehouse was not published:"
    assert len(shown) == SHOWN_FAILURES < len(failed.value.blocking)
    assert rest == f"  ... and {len(failed.value.blocking) - SHOWN_FAILURES} more (the first {SHOWN_FAILURES} shown)"
    assert not (tmp_path / "wh").exists()


def test_publish_swaps_without_a_moment_of_absence(tmp_path, monkeypatch):
    old, new = tmp_path / "wh", tmp_path / "staging"
    for folder, text in ((old, "old"), (new, "new")):
        folder.mkdir()
        (folder / "warehouse.duckdb").write_text(text)
    write_manifest(old)
    renames = []
    monkeypatch.setattr(type(old), "rename", lambda self, target: renames.append((self, target)))
    publish.publish(new, old)
    assert (old / "warehouse.duckdb").read_text() == "new"
    assert renames == []  # swapped in one step, not moved aside and back


def test_moved_warehouse_opens_in_any_duckdb_client_from_any_directory(tmp_path, tiny_folder, monkeypatch):
    import shutil

    import duckdb

    Warehouse.build(tiny_folder, tmp_path / "wh")
    moved = shutil.move(tmp_path / "wh", tmp_path / "elsewhere" / "renamed")
    monkeypatch.chdir(tiny_folder)  # a working directory unrelated to the warehouse
    con = duckdb.connect(str(moved) + "/warehouse.duckdb", read_only=True)
    got = con.sql("select (select count(*) from objects), (select sum(images) from split_stats)").fetchall()
    con.close()
    assert got == [(8, 3)]
