"""Parsing in parallel gives exactly the tables one process gives, whatever the batching."""

from __future__ import annotations

import os
import tempfile

import pytest

from cityscapes_warehouse.batches import HANDOVER_PREFIX, parse_source, parsed_batches
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.sources import open_source


@pytest.fixture(scope="module")
def replica(small_replica):
    return small_replica


def test_parallel_batches_equal_a_single_pass(replica):
    single, read_single = parse_source(open_source(replica), Settings(workers=1, batch_files=10_000))
    parallel, read_parallel = parse_source(
        open_source(replica), Settings(workers=2, batch_files=7, parallel_min_files=1)
    )
    assert read_parallel == read_single
    for name, table in single.items():
        assert parallel[name].equals(table, check_metadata=True), name


def test_copies_of_one_image_in_different_batches_keep_the_first(tmp_path):
    from conftest import gtfine_text

    road = [{"label": "road", "polygon": [[0, 0], [9, 0], [0, 9]]}]
    for i, split in enumerate(["train", "val"]):  # the same image under two splits, far apart in order
        path = tmp_path / f"gtFine/{split}/ulm/ulm_000000_000019_gtFine_polygons.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(gtfine_text(road * (i + 1)))
    for n in range(1, 4):  # files between the two copies, so they would fall into different batches
        (tmp_path / f"gtFine/train/ulm/ulm_00000{n}_000019_gtFine_polygons.json").write_text(gtfine_text(road))
    tables, _ = parse_source(open_source(tmp_path), Settings(workers=2, batch_files=2, parallel_min_files=1))
    assert tables["rejects"].column("reason").to_pylist() == ["duplicate_image", "duplicate_image"]
    assert tables["rejects"].column("source_path").to_pylist()[0].startswith("gtFine/val/")


def handed_over_numbers(tmp_path) -> list[int]:
    """The batch numbers of the hand-over files the workers have written and the build not yet read."""
    (folder,) = tmp_path.glob(HANDOVER_PREFIX + "*")
    return sorted(int(path.stem.split("-")[1]) for path in folder.iterdir())


def test_each_hand_over_file_goes_once_read_and_the_folder_with_the_parse(replica, tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    settings = Settings(workers=2, batch_files=7, parallel_min_files=1)
    read = 0
    for number, _ in enumerate(parsed_batches(open_source(replica), settings)):
        assert all(unread > number for unread in handed_over_numbers(tmp_path))
        read += 1
    assert read > 3
    assert list(tmp_path.iterdir()) == []


def test_an_abandoned_parse_leaves_no_hand_over_file(replica, tmp_path, monkeypatch):
    """Stopped after its first batch (an error or Ctrl-C in the build): the workers are stopped
    first, so none writes into the folder after it is removed."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    parse = parsed_batches(open_source(replica), Settings(workers=2, batch_files=3, parallel_min_files=1))
    next(parse)
    assert all(unread > 0 for unread in handed_over_numbers(tmp_path))  # the folder is there, the first file gone
    parse.close()
    assert list(tmp_path.iterdir()) == []


def test_a_parse_removes_the_hand_over_folders_of_dead_builds_only(replica, tmp_path, monkeypatch):
    """A killed build left its folder and the batches in flight in it; the next parse removes it,
    and leaves a live build's, and a folder it cannot tell the process of."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead, live, unnamed = (
        tmp_path / f"{HANDOVER_PREFIX}{owner}" for owner in ("999999999-x1", f"{os.getpid()}-x2", "x3")
    )
    for folder in (dead, live, unnamed):
        folder.mkdir()
        (folder / "batch-0-objects.arrow").write_bytes(b"in flight")
    tables, _ = parse_source(open_source(replica), Settings(workers=2, batch_files=50, parallel_min_files=1))
    assert tables["images"].num_rows > 0
    assert sorted(tmp_path.iterdir()) == sorted([live, unnamed])


def test_a_hand_over_folder_removed_mid_parse_is_an_error_naming_it(replica, tmp_path, monkeypatch):
    """A cleaner of the temporary folder ran during the build: one line naming the folder, where
    the file error named no path, and no traceback (a WarehouseError is the user's or machine's)."""
    import shutil

    from cityscapes_warehouse.user_error import WarehouseError

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    parse = parsed_batches(open_source(replica), Settings(workers=2, batch_files=3, parallel_min_files=1))
    next(parse)
    (folder,) = tmp_path.glob(HANDOVER_PREFIX + "*")
    # as a cleaner would, until the folder is gone: a worker may write a batch's file into it while
    # rmtree empties it, which then refuses to remove a folder no longer empty
    while folder.exists():
        shutil.rmtree(folder, ignore_errors=True)
    with pytest.raises(WarehouseError, match=f"^{folder}: the build's temporary folder was removed while it ran"):
        list(parse)
    assert list(tmp_path.iterdir()) == []
