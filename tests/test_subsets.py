"""Any split, city or dataset folder inside a release builds; a source without annotations is refused."""

from __future__ import annotations

import json
import zipfile

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.cli import main
from cityscapes_warehouse.sources import SourceError, open_source


def images(wh) -> list[tuple]:
    return wh.query("select split, city, source_path from images order by all").rows()


def test_a_split_folder_builds_that_split_named_as_in_the_release(tmp_path, tiny_folder):
    wh, summary = Warehouse.build(tiny_folder / "gtFine/val", tmp_path / "wh")
    assert images(wh) == [("val", "frankfurt", "gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_polygons.json")]
    assert summary.rejects_by_reason == {"unknown_label": 1}


def test_a_city_folder_builds_that_city(tmp_path, tiny_folder):
    wh, _ = Warehouse.build(tiny_folder / "gtFine/train/bochum", tmp_path / "wh")
    assert images(wh) == [("train", "bochum", "gtFine/train/bochum/bochum_000001_000019_gtFine_polygons.json")]


def test_a_supervisely_dataset_folder_builds_that_dataset(tmp_path):
    root = tmp_path / "project"
    (root / "val/ann").mkdir(parents=True)
    (root / "train/ann").mkdir(parents=True)
    (root / "meta.json").write_text(json.dumps({"classes": [{"title": "road"}], "tags": []}))
    obj = {
        "classTitle": "road",
        "geometryType": "polygon",
        "points": {"exterior": [[0, 0], [9, 0], [0, 9]], "interior": []},
    }
    for split, city in (("val", "frankfurt"), ("train", "ulm")):
        doc = {"size": {"height": 50, "width": 100}, "tags": [], "objects": [obj]}
        (root / f"{split}/ann/{city}_000000_000019_leftImg8bit.png.json").write_text(json.dumps(doc))
    for subset in (root / "val", root / "val/ann"):
        wh, _ = Warehouse.build(subset, tmp_path / "wh")
        assert images(wh) == [("val", "frankfurt", "val/ann/frankfurt_000000_000019_leftImg8bit.png.json")]


def test_a_folder_of_images_without_annotations_is_refused_saying_what_was_looked_for(tmp_path):
    left = tmp_path / "leftImg8bit"
    (left / "train/aachen").mkdir(parents=True)
    (left / "train/aachen/aachen_000000_000019_leftImg8bit.png").write_bytes(b"\x89PNG")
    with pytest.raises(
        SourceError, match=r"no annotation file found: looked for gtFine polygon files .* e\.g\. aachen_"
    ):
        open_source(left)


def test_the_cli_refuses_it_with_exit_2_and_publishes_nothing(tmp_path, capsys):
    (tmp_path / "leftImg8bit/val/lindau").mkdir(parents=True)
    assert main(["build", str(tmp_path / "leftImg8bit"), "--out", str(tmp_path / "wh")]) == 2
    err = capsys.readouterr().err
    assert "no annotation file found" in err and "Traceback" not in err
    assert not (tmp_path / "wh").exists()


def test_an_empty_supervisely_project_is_refused(tmp_path):
    (tmp_path / "project/train/img").mkdir(parents=True)
    (tmp_path / "project/meta.json").write_text(json.dumps({"classes": [], "tags": []}))
    with pytest.raises(SourceError, match="no annotation file found"):
        open_source(tmp_path / "project")


def test_a_zip_without_gtfine_files_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "leftImg8bit_trainvaltest.zip", "w") as zf:
        zf.writestr("leftImg8bit/train/aachen/aachen_000000_000019_leftImg8bit.png", b"\x89PNG")
    with pytest.raises(SourceError, match="no annotation file found.*1 other file"):
        open_source(tmp_path / "leftImg8bit_trainvaltest.zip")
