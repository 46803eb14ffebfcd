"""The COCO export loads in pycocotools, and its masks and areas agree with the warehouse."""

from __future__ import annotations

import json

import pytest

from cityscapes_warehouse.export import export
from cityscapes_warehouse.export.rle import polygon_rle

coco_api = pytest.importorskip("pycocotools.coco")
mask_utils = pytest.importorskip("pycocotools.mask")
# pycocotools' own decode trips numpy 2's copy-keyword deprecation; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


@pytest.fixture
def coco_dir(tiny_warehouse, tmp_path):
    export(tiny_warehouse, "coco", tmp_path / "coco")
    return tmp_path / "coco"


def test_one_instances_file_per_split(coco_dir):
    assert sorted(p.name for p in coco_dir.iterdir()) == ["instances_train.json", "instances_val.json"]


def test_pycocotools_loads_the_file(coco_dir):
    coco = coco_api.COCO(str(coco_dir / "instances_train.json"))
    assert (len(coco.getImgIds()), len(coco.getAnnIds())) == (2, 6)


def test_categories_are_classes_with_their_label_ids_in_every_file(coco_dir):
    for name in ("instances_train.json", "instances_val.json"):
        categories = json.loads((coco_dir / name).read_text())["categories"]
        assert [(c["id"], c["name"]) for c in categories] == [
            (3, "out of roi"),
            (7, "road"),
            (23, "sky"),
            (24, "person"),
            (26, "car"),
        ]


def test_crowd_label_is_its_class_with_iscrowd(coco_dir):
    coco = coco_api.COCO(str(coco_dir / "instances_train.json"))
    crowds = [(a["category_id"], a["bbox"]) for a in coco.loadAnns(coco.getAnnIds(iscrowd=True))]
    assert crowds == [(26, [20, 20, 10, 10])]


def test_images_are_named_as_in_leftimg8bit(coco_dir):
    images = json.loads((coco_dir / "instances_val.json").read_text())["images"]
    assert images == [
        {"id": 3, "file_name": "frankfurt/frankfurt_000000_000294_leftImg8bit.png", "width": 100, "height": 50}
    ]


def test_out_of_roi_is_an_rle_mask_of_frame_minus_hole(coco_dir):
    coco = coco_api.COCO(str(coco_dir / "instances_train.json"))
    (ann,) = coco.loadAnns(coco.getAnnIds(catIds=[3], imgIds=[1]))
    mask = coco.annToMask(ann)
    assert (ann["area"], int(mask.sum())) == (4751.0, 4751)
    assert mask[15, 15] == 0 and mask[5, 5] == 1 and mask[49, 50] == 0


def test_every_valid_mask_area_is_close_to_the_polygon_area(tiny_warehouse, coco_dir):
    # annotation ids follow the objects in image then draw order; the raster and the exact area
    # differ by at most the pixels the outline runs through
    objects = tiny_warehouse.query("""select perimeter_px, is_valid from objects inner join images using (image_id)
                                      order by images.source_path, draw_order""").rows()
    checked = 0
    for name in ("instances_train.json", "instances_val.json"):
        coco = coco_api.COCO(str(coco_dir / name))
        for ann in coco.loadAnns(coco.getAnnIds()):
            perimeter, is_valid = objects[ann["id"] - 1]
            if is_valid:  # a self-intersecting outline has no meaningful shoelace area
                assert abs(int(coco.annToMask(ann).sum()) - ann["area"]) <= perimeter / 2 + 1, ann
                checked += 1
    assert checked == 7


def test_rle_matches_pycocotools_for_a_polygon_without_holes():
    import numpy as np

    triangle = np.array([[3, 2], [40, 9], [12, 30]])
    ours = mask_utils.decode(mask_utils.frPyObjects(polygon_rle([triangle], 50, 40), 40, 50))
    theirs = mask_utils.decode(mask_utils.frPyObjects([triangle.ravel().tolist()], 40, 50)[0])
    assert abs(int(ours.sum()) - int(theirs.sum())) <= 40  # rasterisers differ on edge pixels only
    assert (ours != theirs).sum() <= 40
