"""Detecting what the user pointed at, and refusing what cannot be read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.sources import SourceError, open_source
from conftest import gtfine_text, write_folder


def test_folder_holding_gtfine_is_detected(tiny_folder):
    assert (open_source(tiny_folder).kind, len(open_source(tiny_folder).names())) == ("gtfine-folder", 3)


def test_gtfine_folder_itself_is_detected(tiny_folder):
    assert len(open_source(tiny_folder / "gtFine").names()) == 3


def test_zip_is_read_in_place(tiny_zip, tmp_path):
    files = list(open_source(tiny_zip).files())
    assert [f.split for f in files] == ["train", "train", "val"]
    assert not (tmp_path / "gtFine").exists()


def test_missing_source_names_the_path(tmp_path):
    with pytest.raises(SourceError, match="no such file or folder"):
        open_source(tmp_path / "nowhere")


def test_truncated_zip_is_refused_with_a_clear_message(tiny_zip, tmp_path):
    cut = tmp_path / "cut.zip"
    cut.write_bytes(tiny_zip.read_bytes()[:200])
    with pytest.raises(SourceError, match="cut.zip: not a readable zip archive"):
        open_source(cut)


def test_folder_without_gtfine_is_refused(tmp_path):
    (tmp_path / "photos").mkdir()
    with pytest.raises(SourceError, match="found neither a gtFine/ folder"):
        open_source(tmp_path / "photos")


def test_zip_entry_escaping_the_archive_is_rejected(tmp_path):
    import zipfile

    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("gtFine/train/ulm/ulm_000000_000019_gtFine_polygons.json", gtfine_text([]))
        zf.writestr("gtFine/../gtFine/train/ulm/ulm_000001_000019_gtFine_polygons.json", gtfine_text([]))
    wh, summary = Warehouse.build(path, tmp_path / "wh")
    assert summary.rejects_by_reason == {"unsafe_path": 1}
    assert wh.query("select reason, detail like '%escapes the archive%' from rejects").rows() == [("unsafe_path", True)]


def test_malformed_json_becomes_a_file_reject(tmp_path):
    src = write_folder(tmp_path / "src", {"gtFine/val/lindau/lindau_000000_000019_gtFine_polygons.json": []})
    (src / "gtFine/val/lindau/lindau_000001_000019_gtFine_polygons.json").write_text('{"imgHeight": 1024, "obj')
    wh, summary = Warehouse.build(src, tmp_path / "wh")
    assert (summary.images, summary.rejects_by_reason) == (1, {"malformed_json": 1})
    got = wh.query("select source_path, draw_order, reason from rejects").row(0)
    assert got == ("gtFine/val/lindau/lindau_000001_000019_gtFine_polygons.json", None, "malformed_json")


def test_same_image_in_two_splits_rejects_the_second_copy(tmp_path):
    obj = [{"label": "road", "polygon": [[0, 0], [4, 0], [4, 4]]}]
    src = write_folder(
        tmp_path / "src",
        {
            "gtFine/train/ulm/ulm_000000_000019_gtFine_polygons.json": obj,
            "gtFine/val/ulm/ulm_000000_000019_gtFine_polygons.json": obj,
        },
    )
    wh, summary = Warehouse.build(src, tmp_path / "wh")
    assert (summary.images, summary.objects, summary.rejects_by_reason) == (1, 1, {"duplicate_image": 1})
    assert wh.query("select split from images").item() == "train"


@pytest.mark.parametrize(("limit", "expected"), [(64, b"0123456789"), (8, None)])
def test_a_file_that_grew_after_its_size_was_read_is_read_whole_or_refused(tmp_path, monkeypatch, limit, expected):
    from cityscapes_warehouse.sources.base import FileProblem, read_regular_file

    path = tmp_path / "growing.json"
    path.write_bytes(b"0123456789")
    real_stat = Path.stat

    def stale_stat(self, *args, **kwargs):  # the size as it was before the file grew
        info = real_stat(self, *args, **kwargs)
        return os.stat_result((info.st_mode, *info[1:6], 4, *info[7:]))

    monkeypatch.setattr(Path, "stat", stale_stat)
    if expected is None:
        with pytest.raises(FileProblem, match="over the 8 byte limit"):
            read_regular_file(path, limit=limit)
    else:
        assert read_regular_file(path, limit=limit) == expected


def test_every_reader_refuses_an_oversized_file_with_the_same_reject(tmp_path):
    from cityscapes_warehouse.sources.base import MAX_FILE_BYTES, FileProblem, read_regular_file, size_problem
    from cityscapes_warehouse.spark.pixels import _read
    from cityscapes_warehouse.spark.tasks import source_file

    path = tmp_path / "big.json"
    path.write_bytes(b"x" * 9)
    expected = ("too_large", "9 bytes, over the 8 byte limit")
    assert size_problem(9, limit=8) == expected and size_problem(8, limit=8) is None
    with pytest.raises(FileProblem) as raised:
        read_regular_file(path, limit=8)
    assert (raised.value.reason, raised.value.detail) == expected

    too_large = MAX_FILE_BYTES + 1  # the limit Spark's rows are held to
    row = source_file("file:/data", "file:/data/gtFine/train/aachen/a.json", too_large, b"{}")
    assert (row.problem, row.data) == (size_problem(too_large), None)
    with pytest.raises(FileProblem) as raised:
        _read(too_large, b"")
    assert (raised.value.reason, raised.value.detail) == size_problem(too_large)
