"""A warehouse knows itself: its manifest lists what the tool wrote, and `build --out` replaces
nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

import cityscapes_warehouse.build as build_module
from cityscapes_warehouse import Warehouse, WarehouseError
from cityscapes_warehouse.cli import main
from cityscapes_warehouse.manifest import FORMAT_VERSION
from cityscapes_warehouse.publish import PublishError


def _never_read(source):
    raise AssertionError(f"the source {source} was read before --out was checked")


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_manifest_lists_every_file_the_build_wrote(tiny_warehouse):
    manifest = json.loads((tiny_warehouse.path / "manifest.json").read_text())
    written = {p.relative_to(tiny_warehouse.path).as_posix() for p in tiny_warehouse.path.rglob("*") if p.is_file()}
    assert manifest["format_version"] == FORMAT_VERSION
    assert {entry["path"] for entry in manifest["files"]} == written - {"manifest.json"}
    assert {"warehouse.duckdb", "tables/objects/part-0.parquet"} <= written


def test_folder_of_user_files_with_a_warehouse_duckdb_is_refused_before_reading_the_source(tmp_path, monkeypatch):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("three years of work")
    (out / "warehouse.duckdb").write_bytes(b"")
    before = _files(out)
    monkeypatch.setattr(build_module, "open_source", _never_read)
    with pytest.raises(PublishError, match="not a warehouse"):
        Warehouse.build(tmp_path / "no-such-source", out)
    assert _files(out) == before


def test_cli_build_into_a_folder_that_is_not_a_warehouse_exits_2_naming_it(tmp_path, tiny_folder, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    assert main(["build", str(tiny_folder), "--out", str(out)]) == 2
    assert f"{out} is not empty and is not a warehouse" in capsys.readouterr().err
    assert _files(out) == {"notes.txt": b"keep me"}


def test_rebuild_keeps_a_file_the_user_put_in_the_warehouse(tmp_path, tiny_folder):
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh")
    (wh.path / "notes").mkdir()
    (wh.path / "notes" / "todo.txt").write_text("look at frankfurt")
    Warehouse.build(tiny_folder, tmp_path / "wh")
    assert (wh.path / "notes" / "todo.txt").read_text() == "look at frankfurt"
    listed = {entry["path"] for entry in json.loads((wh.path / "manifest.json").read_text())["files"]}
    assert "notes/todo.txt" not in listed


# A DuckDB session that wrote to the warehouse and ended without a checkpoint (killed) leaves its WAL.
LEAVE_A_WAL = """
import os, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("set checkpoint_threshold = '1TB'")
con.execute("create table notes as select 42 as x")
os._exit(0)
"""


def test_rebuild_over_a_warehouse_with_a_stale_wal_publishes_one_that_opens(tmp_path, tiny_folder):
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh")
    subprocess.run([sys.executable, "-c", LEAVE_A_WAL, str(wh.database)], check=True)
    assert (wh.path / "warehouse.duckdb.wal").exists()
    Warehouse.build(tiny_folder, tmp_path / "wh")
    assert Warehouse(tmp_path / "wh").query("select count(*) from images").item() == 3


def test_rebuild_replaces_the_files_the_manifest_lists(tmp_path, tiny_folder):
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh")
    stale = wh.path / "tables" / "objects" / "part-1.parquet"  # as if written by an earlier (Spark) build
    stale.write_bytes((wh.path / "tables" / "objects" / "part-0.parquet").read_bytes())
    manifest = json.loads((wh.path / "manifest.json").read_text())
    manifest["files"].append({"path": "tables/objects/part-1.parquet", "bytes": stale.stat().st_size})
    (wh.path / "manifest.json").write_text(json.dumps(manifest))
    Warehouse.build(tiny_folder, tmp_path / "wh")
    assert not stale.exists()


def test_user_file_where_the_warehouse_keeps_its_tables_is_refused(tmp_path, tiny_folder, monkeypatch):
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh")
    (wh.path / "tables" / "objects" / "mine.parquet").write_bytes(b"not the tool's")
    monkeypatch.setattr(build_module, "open_source", _never_read)
    with pytest.raises(PublishError, match="tables/objects/mine.parquet"):
        Warehouse.build(tiny_folder, wh.path)


def test_folder_without_a_manifest_is_not_a_warehouse(tiny_warehouse):
    (tiny_warehouse.path / "manifest.json").unlink()
    with pytest.raises(WarehouseError, match="no manifest.json"):
        Warehouse(tiny_warehouse.path)


def test_manifest_of_a_newer_format_is_refused(tiny_warehouse):
    path = tiny_warehouse.path / "manifest.json"
    manifest = json.loads(path.read_text())
    path.write_text(json.dumps({**manifest, "format_version": FORMAT_VERSION + 1}))
    with pytest.raises(WarehouseError, match="upgrade"):
        Warehouse(tiny_warehouse.path)


def test_a_damaged_manifest_advises_a_new_folder_not_the_same_one(tiny_warehouse):
    """build refuses a folder whose manifest it cannot read: advising it again would lead nowhere."""
    (tiny_warehouse.path / "manifest.json").write_text("{ cut")
    with pytest.raises(WarehouseError, match="unreadable .* build the warehouse again into a new folder"):
        Warehouse(tiny_warehouse.path)


def test_a_manifest_nested_too_deep_is_a_damaged_one(tiny_warehouse):
    (tiny_warehouse.path / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(WarehouseError, match="unreadable"):
        Warehouse(tiny_warehouse.path)


def test_a_manifest_of_a_million_empty_lists_is_refused_unread(tiny_warehouse):
    """3 MB: parsed, each `[]` is a list of 64 bytes; at the 64 MiB the limit was, `query` took 1.8 GB."""
    (tiny_warehouse.path / "manifest.json").write_text("[" + ",".join(["[]"] * 1_000_000) + "]")
    with pytest.raises(WarehouseError, match=r"unreadable \(over [0-9]+ bytes"):
        Warehouse(tiny_warehouse.path)


def test_build_over_a_manifest_nested_too_deep_is_refused(tmp_path, tiny_folder):
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh")
    (wh.path / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(PublishError, match="unreadable"):
        Warehouse.build(tiny_folder, wh.path)


def test_a_file_given_as_the_warehouse_is_named_as_one(tiny_warehouse):
    with pytest.raises(WarehouseError, match="manifest.json: a file, not a warehouse"):
        Warehouse(tiny_warehouse.path / "manifest.json")


def test_a_database_locked_by_a_writer_is_said_to_be_in_use(tiny_warehouse):
    writer = duckdb.connect(str(tiny_warehouse.database))  # this process writes: no other may open it
    try:
        probe = f"from cityscapes_warehouse import Warehouse; Warehouse({str(tiny_warehouse.path)!r}).connect()"
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    finally:
        writer.close()
    assert "in use by another process that opened it for writing" in done.stderr


# Warehouse(...) in a child process, bounded: a manifest read without bounds hangs or fills memory
OPEN_WAREHOUSE = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from cityscapes_warehouse import Warehouse, WarehouseError
try:
    Warehouse(sys.argv[1])
except WarehouseError as exc:
    print("refused:", exc)
"""


def _open_in_child(folder) -> str:
    done = subprocess.run(
        [sys.executable, "-c", OPEN_WAREHOUSE, str(folder)], capture_output=True, text=True, timeout=60
    )
    return done.stdout + done.stderr


def test_a_manifest_that_is_a_fifo_is_refused_without_waiting_for_a_writer(tiny_warehouse):
    manifest = tiny_warehouse.path / "manifest.json"
    manifest.unlink()
    os.mkfifo(manifest)
    assert "refused: " in _open_in_child(tiny_warehouse.path)


def test_a_manifest_linked_to_a_device_is_refused_without_reading_it(tiny_warehouse):
    manifest = tiny_warehouse.path / "manifest.json"
    manifest.unlink()
    manifest.symlink_to("/dev/zero")
    assert "refused: " in _open_in_child(tiny_warehouse.path)
