"""Parsing in parallel gives exactly the tables one process gives, whatever the batching."""

from __future__ import annotations

import pytest

from cityscapes_warehouse.batches import parse_source
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
