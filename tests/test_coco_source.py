"""COCO instances (the project's own export) as a source: the round trip, and hostile files as rejects."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import orjson
import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.export import export
from cityscapes_warehouse.parse import json_size
from cityscapes_warehouse.sources import SourceError
from cityscapes_warehouse.sources.coco import raw_to_gtfine

SQUARE = [10, 10, 20, 10, 20, 20, 10, 20]
IMAGE = {"id": 1, "file_name": "aachen/aachen_000000_000019_leftImg8bit.png", "width": 100, "height": 50}
CATEGORIES = [{"id": 7, "name": "road"}, {"id": 26, "name": "car"}, {"id": 99, "name": "spaceship"}]
# a second, readable image: a source of which nothing can be read is refused whole (NothingReadError)
READABLE = {"id": 2, "file_name": "aachen/aachen_000001_000019_leftImg8bit.png", "width": 100, "height": 50}


def write_coco(folder: Path, annotations, images=(IMAGE,), categories=CATEGORIES, split="train") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    doc = {"images": list(images), "annotations": annotations, "categories": categories}
    (folder / f"instances_{split}.json").write_text(json.dumps(doc))
    return folder


def annotation(**fields) -> dict:
    return {"id": 1, "image_id": 1, "category_id": 7, "segmentation": [SQUARE], "iscrowd": 0, **fields}


def build(folder: Path, out: Path) -> Warehouse:
    wh, _ = Warehouse.build(folder, out)
    return wh


def rejects(wh: Warehouse) -> list[tuple]:
    return wh.query("select source_path, draw_order, reason from rejects order by draw_order").rows()


# --- the round trip: gtFine -> warehouse -> COCO -> warehouse ---------------------------------


@pytest.fixture(scope="module")
def round_trip(small_warehouse, tmp_path_factory):
    out = tmp_path_factory.mktemp("coco-round-trip")
    export(small_warehouse, "coco", out / "coco")
    return Warehouse(small_warehouse), build(out / "coco", out / "again")


IMAGE_COLUMNS = "image_id, split, city, sequence, frame, width, height"
# per object, in painter's order: its label and every vertex of its rings
OBJECTS = """
    select o.image_id, o.label, list(p.vertices order by p.ring) as rings
    from objects o join polygons p using (object_id)
    where o.n_holes = 0
    group by o.image_id, o.draw_order, o.label
    order by o.image_id, o.draw_order
"""


def test_coco_round_trip_keeps_every_image(round_trip):
    original, again = round_trip
    query = f"select {IMAGE_COLUMNS} from images order by image_id"
    assert again.query(query).rows() == original.query(query).rows()
    assert original.query("select count(*) from images").item() > 50


def test_coco_round_trip_keeps_label_and_vertices_of_every_object_without_holes(round_trip):
    original, again = round_trip
    expected = original.query(OBJECTS).rows()
    assert len(expected) > 1000
    assert again.query(OBJECTS).rows() == expected


def test_coco_round_trip_keeps_group_labels_through_iscrowd(round_trip):
    original, again = round_trip
    query = "select label, count(*) from objects where is_group group by label order by label"
    assert original.query(query).rows()  # the replica has crowds, so the test can fail
    assert again.query(query).rows() == original.query(query).rows()


def test_objects_with_holes_come_back_as_not_a_polygon_rejects(round_trip):
    original, again = round_trip
    holed = original.query("select image_id, label from objects where n_holes > 0 order by all").rows()
    assert holed
    masks = again.query("select image_id, label from rejects where reason = 'not_a_polygon' order by all").rows()
    assert masks == holed
    assert again.query("select count(*) from rejects where reason != 'not_a_polygon'").item() == 0


def test_coco_round_trip_closes_the_draw_order_gaps_of_rejects(round_trip):
    original, again = round_trip
    gaps = "select count(*) from objects o join images i using (image_id) where o.draw_order >= i.n_objects"
    assert original.query(gaps).item() > 0  # the original's rejects leave gaps in draw_order
    assert again.query(gaps).item() == 0


def test_a_coco_export_of_the_replica_is_marked_synthetic(round_trip):
    _, again = round_trip
    assert again.info()["synthetic"] is True and again.info()["source_kind"] == "coco-folder"


# --- reading: a single file, crowds --------------------------------------------------------------


def test_one_instances_file_is_a_source_and_its_name_gives_the_split(tmp_path):
    folder = write_coco(tmp_path / "coco", [annotation()], split="val")
    wh = build(folder / "instances_val.json", tmp_path / "wh")
    assert wh.query("select image_id, split, city, source_path from images").rows() == [
        ("aachen_000000_000019", "val", "aachen", "instances_val.json#images[0]")
    ]


def test_crowd_annotation_reads_as_the_group_label(tmp_path):
    folder = write_coco(tmp_path / "coco", [annotation(category_id=26, iscrowd=1)])
    assert build(folder, tmp_path / "wh").query("select label from objects").rows() == [("cargroup",)]


def test_annotations_keep_their_file_order_as_draw_order(tmp_path):
    annotations = [annotation(id=2, category_id=26), annotation(id=1)]
    wh = build(write_coco(tmp_path / "coco", annotations), tmp_path / "wh")
    assert wh.query("select draw_order, label from objects order by draw_order").rows() == [(0, "car"), (1, "road")]


def test_a_rejected_annotation_reads_as_gtfine_label_and_point_list():
    raw = {**annotation(), "label": "road", "segmentation": [[1, 2, 3, 4, 5, 6]]}
    assert raw_to_gtfine(raw) == {
        "label": "road",
        "id": 1,
        "image_id": 1,
        "category_id": 7,
        "polygon": [[1, 2], [3, 4], [5, 6]],
        "iscrowd": 0,
    }


# --- hostile files: rejects naming the file and the object, never a traceback ------------------


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ({"segmentation": {"size": [50, 100], "counts": [0, 5000]}}, "not_a_polygon"),
        ({"segmentation": [SQUARE, SQUARE]}, "not_a_polygon"),
        ({"segmentation": "polygon"}, "missing_polygon"),
        ({"segmentation": []}, "missing_polygon"),
        ({"segmentation": [[10, 10, 20, 10, 20]]}, "bad_coordinates"),
        ({"segmentation": [[True, 10, 20, 10, 20, 20]]}, "bad_coordinates"),
        ({"segmentation": [[10.5, 10, 20, 10, 20, 20]]}, "bad_coordinates"),
        ({"segmentation": [[10, 10, 20, 10]]}, "too_few_points"),
        ({"category_id": 12345}, "unknown_label"),
        ({"category_id": "7"}, "unknown_label"),
        ({"category_id": 99}, "unknown_label"),
        ({"iscrowd": 1}, "bad_object"),  # road has no group label
        ({"iscrowd": True}, "bad_object"),
    ],
)
def test_a_bad_annotation_is_rejected_and_its_neighbour_kept(tmp_path, bad, reason):
    folder = write_coco(tmp_path / "coco", [annotation(id=1), annotation(id=2, **bad)])
    wh = build(folder, tmp_path / "wh")
    assert rejects(wh) == [("instances_train.json#images[0]", 1, reason)]
    assert wh.query("select draw_order, label from objects").rows() == [(0, "road")]


def test_annotations_of_no_image_are_rejected_at_their_index_in_the_file(tmp_path):
    annotations = [annotation(), annotation(id=2, image_id=7), annotation(id=3, image_id=True), "road"]
    wh = build(write_coco(tmp_path / "coco", annotations), tmp_path / "wh")
    orphans = "instances_train.json#annotations without an image"
    assert rejects(wh) == [(orphans, 1, "missing_image"), (orphans, 2, "missing_image"), (orphans, 3, "bad_object")]
    assert wh.info()["objects_read"] == 4


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"images": [IMAGE], "annotations": {"1": annotation()}, "categories": CATEGORIES}, "missing_field"),
        ({"images": [IMAGE], "annotations": [annotation()]}, "missing_field"),
        ([IMAGE], "missing_field"),
        ("not json at all {", "malformed_json"),
    ],
)
def test_a_file_that_is_no_instances_document_is_one_file_reject(tmp_path, doc, reason):
    folder = tmp_path / "coco"
    folder.mkdir()
    (folder / "instances_train.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
    (folder / "instances_val.json").write_text(json.dumps({"images": [READABLE], "annotations": [], "categories": []}))
    wh = build(folder, tmp_path / "wh")
    assert rejects(wh) == [("instances_train.json", None, reason)]


@pytest.mark.parametrize(
    ("image", "reason"),
    [
        ({**IMAGE, "file_name": "aachen/aachen.png"}, "bad_file_name"),
        ({**IMAGE, "file_name": None}, "bad_file_name"),
        ({**IMAGE, "file_name": "bochum/aachen_000000_000019_leftImg8bit.png"}, "city_mismatch"),
        ({**IMAGE, "width": False}, "missing_field"),
        ({**IMAGE, "id": "1"}, "missing_field"),
    ],
)
def test_an_image_that_cannot_be_placed_is_rejected_whole(tmp_path, image, reason):
    wh = build(write_coco(tmp_path / "coco", [], images=[image, READABLE]), tmp_path / "wh")
    assert rejects(wh) == [("instances_train.json#images[0]", None, reason)]


def test_an_image_listed_twice_keeps_its_first_entry(tmp_path):
    wh = build(write_coco(tmp_path / "coco", [annotation()], images=[IMAGE, IMAGE]), tmp_path / "wh")
    assert rejects(wh) == [("instances_train.json#images[1]", None, "duplicate_image")]
    assert wh.query("select count(*) from objects").item() == 1


def test_an_unknown_split_is_one_file_reject(tmp_path):
    write_coco(tmp_path / "coco", [], images=[READABLE])
    wh = build(write_coco(tmp_path / "coco", [annotation()], split="minival"), tmp_path / "wh")
    assert rejects(wh) == [("instances_minival.json", None, "bad_path")]


def test_a_gtfine_folder_beside_an_instances_file_is_not_silently_left_unread(tmp_path):
    folder = write_coco(tmp_path / "download", [annotation()])
    polygons = folder / "gtFine" / "train" / "ulm" / "ulm_000000_000019_gtFine_polygons.json"
    polygons.parent.mkdir(parents=True)
    polygons.write_text(json.dumps({"imgHeight": 50, "imgWidth": 100, "objects": []}))
    with pytest.raises(SourceError, match="gtFine"):
        Warehouse.build(folder, tmp_path / "wh")


def test_a_file_named_instances_without_a_split_is_no_coco_file(tmp_path):
    folder = write_coco(tmp_path / "coco", [annotation()])
    (folder / "instances_.json").write_text(json.dumps({"images": [], "annotations": [], "categories": []}))
    wh = build(folder, tmp_path / "wh")
    assert wh.query("select count(*) from objects").item() == 1


# --- memory: a file of millions of values is refused whole, before its values are built ---------


def hostile_coco(folder: Path, images: bytes = b"", annotations: bytes = b"") -> Path:
    """A folder holding a readable val file and a train file whose lists are given as JSON text."""
    write_coco(folder, [], images=[READABLE], split="val")
    text = b'{"images":[%s],"annotations":[%s],"categories":[]}' % (images, annotations)
    (folder / "instances_train.json").write_bytes(text)
    return folder


def refused_in_under_1_gib(folder: Path, out: Path) -> list[tuple]:
    """Build in a child process (its peak memory measured): the train file's rejects."""
    from test_archive_bombs import PEAK_LIMIT_KIB, build_in_child

    rejects_by_reason, peak_kib = build_in_child(folder, out)
    assert rejects_by_reason == {"too_large": 1}
    assert peak_kib < PEAK_LIMIT_KIB, f"peak {peak_kib} KiB"
    return Warehouse(out).query("select source_path, draw_order, reason, detail from rejects").rows()


def test_a_file_of_millions_of_empty_list_annotations_is_refused_whole_in_under_1_gib(tmp_path):
    """15 MB: each `[]` an annotation of no image, whose reject row took the build to several GB."""
    folder = hostile_coco(tmp_path / "coco", annotations=b",".join([b"[]"] * 5_000_000))
    [(source_path, draw_order, reason, detail)] = refused_in_under_1_gib(folder, tmp_path / "wh")
    assert (source_path, draw_order, reason) == ("instances_train.json", None, "too_large")
    assert "lists and objects" in detail


def test_a_file_of_millions_of_bare_number_images_is_refused_whole_in_under_1_gib(tmp_path):
    """6 MB: each `0` an image that is no object, each a reject row of its own."""
    folder = hostile_coco(tmp_path / "coco", images=b",".join([b"0"] * 3_000_000))
    [(source_path, draw_order, reason, detail)] = refused_in_under_1_gib(folder, tmp_path / "wh")
    assert (source_path, draw_order, reason) == ("instances_train.json", None, "too_large")
    assert "3,000,000 images" in detail


# Shapes a hostile file may repeat: the estimate must cover what orjson makes of each.
SHAPES = [
    b"[]",
    b"{}",
    b"0",
    b"1000",
    b"4611686018427387904",
    b"1.5",
    b'"a"',
    b'"\\ud83d\\ude00"',
    '"\N{GRINNING FACE}aaaaaaaaaaaaaaaa"'.encode(),
    b"[0]",
    b"[[]]",
    b'{"a":0}',
    b'{"a":{}}',
    b'{"a":0,"b":0,"c":0,"d":0,"e":0,"f":0}',
]


def assert_estimate_covers_parsing(text: bytes, items: int) -> None:
    """json_size's estimate of `text` is at least what orjson's document of it (`items` long) holds."""
    tracemalloc.start()
    doc = orjson.loads(text)
    parsed, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert len(doc) == items
    assert parsed <= json_size(text).parsed_bytes


@pytest.mark.parametrize("item", SHAPES, ids=lambda item: item.decode())
def test_the_estimate_counted_from_the_bytes_covers_the_python_objects_parsed(item):
    assert_estimate_covers_parsing(b"[" + b",".join([item] * 20_000) + b"]", 20_000)


def test_an_object_of_many_distinct_keys_is_covered_too():
    assert_estimate_covers_parsing(b"{" + b",".join(b'"%d":[]' % i for i in range(20_000)) + b"}", 20_000)


def test_annotations_of_no_image_beyond_what_a_file_holds_are_one_reject(tmp_path):
    from cityscapes_warehouse.parse import MAX_OBJECTS_PER_FILE

    folder = hostile_coco(tmp_path / "coco", annotations=b",".join([b"0"] * (MAX_OBJECTS_PER_FILE + 1)))
    wh = build(folder, tmp_path / "wh")
    assert wh.query("select source_path, reason from rejects").rows() == [
        ("instances_train.json#annotations without an image", "too_large")
    ]


def test_an_image_whose_annotations_would_parse_into_more_than_a_file_may_is_refused_unparsed(tmp_path):
    """Under the file's limits, but one image's record is 4 MB of `[]` (1.4 million lists): its
    worker refuses it as an annotation file that large, not parse it (a genuine image's: 0.16 MB)."""
    polygon = b",".join([b"[]"] * 1_400_000)
    folder = hostile_coco(
        tmp_path / "coco",
        images=json.dumps(IMAGE).encode(),
        annotations=b'{"id":1,"image_id":1,"category_id":7,"iscrowd":0,"segmentation":[[%s]]}' % polygon,
    )
    wh = build(folder, tmp_path / "wh")
    rows = wh.query("select source_path, reason from rejects").rows()
    assert rows == [("instances_train.json#images[0]", "too_large")]
