"""Reading a Dataset Ninja / Supervisely project: folder or tar, split or city datasets, and its faults."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.labels import LABELS
from cityscapes_warehouse.sources import SourceError, open_source, supervisely
from conftest import FRAME

ROI_HOLE = [[10, 10], [20, 10], [20, 20], [10, 20]]


def sly(label: str, exterior: list, interior: list | None = None, **extra) -> dict:
    return {
        "classTitle": label,
        "geometryType": "polygon",
        "tags": [],
        "points": {"exterior": exterior, "interior": interior or []},
        **extra,
    }


def annotation(objects: list, city: str | None = None, width: int = 100, height: int = 50) -> dict:
    tags = [{"name": city, "value": None}] if city else []
    return {"description": "", "tags": tags, "size": {"height": height, "width": width}, "objects": objects}


def meta(classes=(*LABELS, "spaceship")) -> dict:
    return {
        "classes": [{"title": c, "shape": "polygon", "color": "#000000"} for c in classes],
        "tags": [{"name": "aachen", "value_type": "none"}, {"name": "bochum", "value_type": "none"}],
    }


# The tiny gtFine dataset of conftest, as Dataset Ninja exports it: same objects, same order.
TINY_SLY = {
    "train/ann/aachen_000000_000019_leftImg8bit.png.json": annotation(
        [
            sly("road", [[0, 0], [10, 0], [10, 10], [0, 10]]),
            sly("cargroup", [[20, 20], [30, 20], [20, 30]]),
            sly("car", [[1, 1], [2, 2]]),
            sly("person", [[5, 5], [9, 5], [9, 9]], deleted=1),
            sly("out of roi", FRAME, [ROI_HOLE]),
        ],
        city="aachen",
    ),
    "train/ann/bochum_000001_000019_leftImg8bit.png.json": annotation(
        [
            sly("car", [[0, 0], [10, 10], [10, 0], [0, 10]]),
            sly("person", [[90, 40], [101, 40], [101, 49], [90, 49]]),
            sly("out of roi", [[1, 1], [98, 1], [98, 48], [1, 48]]),
        ],
        city="bochum",
    ),
    # no city tag: the city comes from the image name
    "val/ann/frankfurt_000000_000294_leftImg8bit.png.json": annotation(
        [
            sly("sky", [[0, 0], [50, 0], [50, 20], [0, 20]]),
            sly("car", [[10, 30], [20, 30], [20, 40], [10, 40]]),
            sly("spaceship", [[1, 1], [5, 1], [5, 5]]),
        ]
    ),
}


# a readable image beside the broken one: a source of which nothing can be read is refused whole
READABLE = {"val/ann/ulm_000001_000019_leftImg8bit.png.json": annotation([])}


def write_project(root: Path, files: dict[str, dict] = TINY_SLY, project_meta: dict | None = None) -> Path:
    root.mkdir(parents=True)
    (root / "meta.json").write_text(json.dumps(meta() if project_meta is None else project_meta))
    for rel, doc in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(json.dumps(doc))
    return root


def write_tar(path: Path, files: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def tar_members(files: dict[str, dict] = TINY_SLY, prefix: str = "cityscapes/") -> dict[str, bytes]:
    members = {f"{prefix}meta.json": json.dumps(meta()).encode()}
    members.update({prefix + rel: json.dumps(doc).encode() for rel, doc in files.items()})
    return members


def rows(wh: Warehouse, table: str, columns: str) -> list[tuple]:
    return wh.query(f"select {columns} from {table} order by all").rows()


def test_project_folder_with_meta_json_is_detected(tmp_path):
    source = open_source(write_project(tmp_path / "project"))
    assert (source.kind, len(source.names())) == ("supervisely-folder", 3)


def test_same_annotations_give_the_same_tables_as_gtfine(tmp_path, tiny_warehouse):
    wh, _ = Warehouse.build(write_project(tmp_path / "project"), tmp_path / "wh-sly")
    images = "image_id, split, city, sequence, frame, width, height, n_objects, n_rejected"
    assert rows(wh, "images", images) == rows(tiny_warehouse, "images", images)
    objects = "* exclude (object_id, geometry), object_id, geometry"
    assert rows(wh, "objects", objects) == rows(tiny_warehouse, "objects", objects)
    assert rows(wh, "polygons", "*") == rows(tiny_warehouse, "polygons", "*")
    rejects = "image_id, draw_order, label, reason, detail"
    assert rows(wh, "rejects", rejects) == rows(tiny_warehouse, "rejects", rejects)


def test_annotation_path_is_the_source_path(tmp_path):
    wh, _ = Warehouse.build(write_project(tmp_path / "project"), tmp_path / "wh")
    assert (
        wh.query("select source_path from images where city = 'frankfurt'").item()
        == "val/ann/frankfurt_000000_000294_leftImg8bit.png.json"
    )


def test_city_datasets_take_the_published_split_of_their_city(tmp_path):
    files = {
        "bochum/ann/bochum_000001_000019_leftImg8bit.png.json": annotation([sly("road", [[0, 0], [9, 0], [9, 9]])]),
        "lindau/ann/lindau_000000_000019_leftImg8bit.png.json": annotation([sly("sky", [[0, 0], [9, 0], [9, 9]])]),
    }
    wh, _ = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert rows(wh, "images", "city, split") == [("bochum", "train"), ("lindau", "val")]


def test_dataset_folder_that_is_neither_split_nor_city_is_rejected(tmp_path):
    files = {"misc/ann/ulm_000000_000019_leftImg8bit.png.json": annotation([]), **READABLE}
    wh, summary = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert summary.rejects_by_reason == {"bad_path": 1}


def test_an_annotation_in_a_folder_below_ann_is_a_bad_path_reject(tmp_path):
    files = {"train/ann/more/ulm_000000_000019_leftImg8bit.png.json": annotation([]), **READABLE}
    wh, summary = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert summary.rejects_by_reason == {"bad_path": 1}


def test_city_tag_disagreeing_with_the_image_name_is_a_city_mismatch(tmp_path):
    files = {"train/ann/ulm_000000_000019_leftImg8bit.png.json": annotation([], city="aachen"), **READABLE}
    wh, summary = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert summary.rejects_by_reason == {"city_mismatch": 1}
    assert "tagged with city 'aachen'" in wh.query("select detail from rejects").item()


def test_tags_that_are_not_cities_are_ignored(tmp_path):
    doc = annotation([])
    doc["tags"] = [{"name": "night", "value": None}, {"name": "ulm", "value": None}]
    files = {"train/ann/ulm_000000_000019_leftImg8bit.png.json": doc}
    wh, _ = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert rows(wh, "images", "city") == [("ulm",)]


def test_interior_rings_of_any_class_are_kept_as_holes(tmp_path):
    square = [[0, 0], [40, 0], [40, 40], [0, 40]]
    files = {"train/ann/ulm_000000_000019_leftImg8bit.png.json": annotation([sly("building", square, [ROI_HOLE])])}
    wh, _ = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert rows(wh, "objects", "n_holes, area_px, roi_frame_missing") == [(1, 1500.0, False)]
    assert rows(wh, "polygons", "ring, n_vertices") == [(0, 4), (1, 4)]


def test_out_of_roi_as_one_list_is_cut_like_gtfine(tmp_path):
    files = {"train/ann/ulm_000000_000019_leftImg8bit.png.json": annotation([sly("out of roi", FRAME + ROI_HOLE)])}
    wh, _ = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert rows(wh, "objects", "n_holes, roi_frame_missing") == [(1, False)]


def test_out_of_roi_with_a_hole_but_no_frame_is_flagged(tmp_path):
    exterior = [[1, 1], [98, 1], [98, 48], [1, 48]]
    files = {"train/ann/ulm_000000_000019_leftImg8bit.png.json": annotation([sly("out of roi", exterior, [ROI_HOLE])])}
    wh, _ = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert rows(wh, "objects", "n_holes, roi_frame_missing") == [(1, True)]


def test_tar_is_read_in_place(tmp_path):
    path = write_tar(tmp_path / "cityscapes.tar", tar_members())
    wh, summary = Warehouse.build(path, tmp_path / "wh")
    assert (summary.source_kind, summary.images, summary.objects) == ("supervisely-tar", 3, 8)
    assert (
        wh.query("select min(source_path) from images").item()
        == "cityscapes/train/ann/aachen_000000_000019_leftImg8bit.png.json"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cityscapes.tar", "wh"]


def test_tar_with_rejected_files_is_parsed_by_workers(tmp_path):
    # A file refused before it is read (here: no image beside it, in the wrong place) kept the
    # archive's reader, an open file, which cannot go to a worker process: parallel builds crashed.
    members = tar_members()
    members["cityscapes/train/ann/nested/ulm_000000_000019_leftImg8bit.png.json"] = b"{}"
    members["cityscapes/train/img/ulm_000001_000019_leftImg8bit.png"] = b""
    settings = Settings(workers=2, parallel_min_files=1, batch_files=1)
    wh, summary = Warehouse.build(write_tar(tmp_path / "cityscapes.tar", members), tmp_path / "wh", settings=settings)
    assert (summary.images, summary.objects) == (3, 8)
    assert summary.rejects_by_reason["bad_path"] == 1
    assert summary.rejects_by_reason["missing_annotation"] == 1


def test_tar_of_more_members_than_a_project_holds_is_refused(tmp_path, monkeypatch):
    # gzip packs an empty member's header into a few bytes, and each costs about 1 KB listed: a
    # 1 MB archive of 200,000 members took 330 MB and 16 s to reject member by member
    monkeypatch.setattr(supervisely, "MAX_ARCHIVE_MEMBERS", 10)
    members = tar_members()
    members.update({f"cityscapes/train/img/x{i}.png": b"" for i in range(10)})
    with pytest.raises(SourceError, match=r"more than 10 members"):
        open_source(write_tar(tmp_path / "many.tar", members))
    monkeypatch.setattr(supervisely, "MAX_ARCHIVE_MEMBERS", len(members))
    assert open_source(write_tar(tmp_path / "enough.tar", members)).kind == "supervisely-tar"


def test_tar_member_escaping_the_archive_is_rejected(tmp_path):
    members = tar_members()
    members["cityscapes/../train/ann/ulm_000000_000019_leftImg8bit.png.json"] = json.dumps(annotation([])).encode()
    wh, summary = Warehouse.build(write_tar(tmp_path / "evil.tar", members), tmp_path / "wh")
    assert (summary.images, summary.rejects_by_reason["unsafe_path"]) == (3, 1)
    assert "escapes the archive" in wh.query("select detail from rejects where reason = 'unsafe_path'").item()


def test_tar_link_is_rejected_not_followed(tmp_path):
    path = write_tar(tmp_path / "links.tar", tar_members())
    with tarfile.open(path, "a") as tf:
        link = tarfile.TarInfo("cityscapes/train/ann/ulm_000000_000019_leftImg8bit.png.json")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    wh, summary = Warehouse.build(path, tmp_path / "wh")
    assert (summary.images, summary.rejects_by_reason["unsafe_path"]) == (3, 1)
    assert "is a link" in wh.query("select detail from rejects where reason = 'unsafe_path'").item()


def test_missing_meta_json_is_named(tmp_path):
    root = write_project(tmp_path / "project")
    (root / "meta.json").unlink()
    with pytest.raises(SourceError, match="needs its meta.json"):
        open_source(root)


def test_tar_without_meta_json_is_refused(tmp_path):
    members = {k: v for k, v in tar_members().items() if not k.endswith("meta.json")}
    with pytest.raises(SourceError, match="no Supervisely meta.json"):
        open_source(write_tar(tmp_path / "nometa.tar", members))


@pytest.mark.parametrize(
    ("bad_meta", "message"),
    [
        ({"tags": []}, "no 'classes' list"),
        ({"classes": [{"shape": "polygon"}]}, "class 0 has no 'title' string"),
        ({"classes": [{"title": "car"}, {"title": "car"}]}, "declares class 'car' twice"),
        ({"classes": [], "tags": [{"value_type": "none"}]}, "'tags' is not a list of tags"),
    ],
)
def test_inconsistent_meta_json_is_refused(tmp_path, bad_meta, message):
    with pytest.raises(SourceError, match=message):
        open_source(write_project(tmp_path / "project", project_meta=bad_meta))


def test_meta_json_that_is_not_json_is_refused(tmp_path):
    root = write_project(tmp_path / "project")
    (root / "meta.json").write_text("{classes")
    with pytest.raises(SourceError, match="meta.json is not valid JSON"):
        open_source(root)


def test_class_not_in_meta_json_rejects_the_object(tmp_path):
    files = {
        "train/ann/ulm_000000_000019_leftImg8bit.png.json": annotation(
            [sly("road", [[0, 0], [9, 0], [9, 9]]), sly("car", [[0, 0], [9, 0], [9, 9]])]
        )
    }
    wh, _ = Warehouse.build(write_project(tmp_path / "project", files, meta(["road"])), tmp_path / "wh")
    assert rows(wh, "rejects", "draw_order, label, reason") == [(1, "car", "class_not_in_meta")]
    assert rows(wh, "objects", "draw_order, label") == [(0, "road")]


def test_image_without_annotation_is_a_file_reject(tmp_path):
    root = write_project(tmp_path / "project")
    (root / "train/img").mkdir()
    (root / "train/img/aachen_000000_000019_leftImg8bit.png").write_bytes(b"png")
    (root / "train/img/ulm_000000_000019_leftImg8bit.png").write_bytes(b"png")
    wh, summary = Warehouse.build(root, tmp_path / "wh")
    assert (summary.images, summary.rejects_by_reason["missing_annotation"]) == (3, 1)
    assert (
        wh.query("select source_path from rejects where reason = 'missing_annotation'").item()
        == "train/img/ulm_000000_000019_leftImg8bit.png"
    )


def test_non_polygon_geometry_is_rejected(tmp_path):
    box = {"classTitle": "car", "geometryType": "rectangle", "points": {"exterior": [[0, 0], [9, 9]], "interior": []}}
    files = {"train/ann/ulm_000000_000019_leftImg8bit.png.json": annotation([box])}
    wh, _ = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert rows(wh, "rejects", "reason") == [("not_a_polygon",)]


def test_annotation_without_size_is_a_file_reject(tmp_path):
    files = {"train/ann/ulm_000000_000019_leftImg8bit.png.json": {"objects": []}, **READABLE}
    wh, summary = Warehouse.build(write_project(tmp_path / "project", files), tmp_path / "wh")
    assert summary.rejects_by_reason == {"missing_field": 1}
