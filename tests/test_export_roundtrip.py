"""gtFine -> warehouse -> export -> the same annotations: files equal the originals, tables equal the first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.export import ExportError, export
from cityscapes_warehouse.sources.supervisely import supervisely_to_gtfine
from conftest import TINY

TABLE_ORDER = {"images": "image_id", "objects": "object_id", "polygons": "object_id, ring"}


def content(obj):
    """What the warehouse keeps of an object: label + polygon of an accepted one, a rejected one whole."""
    polygon = obj.get("polygon") if isinstance(obj, dict) else None
    accepted = isinstance(polygon, list) and len(polygon) >= 3 and not obj.get("deleted")
    return {"label": obj["label"], "polygon": polygon} if accepted else obj


def gtfine_files(root: Path) -> dict[str, list]:
    return {
        p.relative_to(root).as_posix(): json.loads(p.read_text())["objects"]
        for p in sorted((root / "gtFine").rglob("*.json"))
    }


def table(wh: Warehouse, name: str) -> list[tuple]:
    """The rows of a table in a fixed order, without source_path (the one column that names the format)."""
    exclude = " exclude (source_path)" if name in ("images", "rejects") else ""
    order = "image_id, draw_order" if name == "rejects" else TABLE_ORDER[name]
    return wh.query(f"select *{exclude} from {name} order by {order}").rows()


def gtfine_raw(row: tuple) -> tuple:
    """A rejects row (source_path excluded) with its raw spelled as gtFine."""
    raw = json.dumps(supervisely_to_gtfine(json.loads(row[-1])), separators=(",", ":"))
    return (*row[:-1], raw)


@pytest.fixture(scope="module")
def replica(small_replica, small_warehouse):
    return small_replica, Warehouse(small_warehouse)


def test_gtfine_export_of_tiny_is_byte_identical(tiny_warehouse, tiny_folder, tmp_path):
    export(tiny_warehouse, "gtfine", tmp_path / "out")
    for rel in TINY:
        assert (tmp_path / "out" / rel).read_bytes() == (tiny_folder / rel).read_bytes(), rel


def test_gtfine_export_of_replica_parses_to_the_original_objects(replica, tmp_path):
    root, wh = replica
    export(wh, "gtfine", tmp_path / "out")
    original, exported = gtfine_files(root), gtfine_files(tmp_path / "out")
    assert exported.keys() == original.keys()
    for rel, objects in original.items():
        assert [content(o) for o in exported[rel]] == [content(o) for o in objects], rel


def test_gtfine_export_is_byte_identical_where_no_tool_keys_were_dropped(replica, tmp_path):
    root, wh = replica
    export(wh, "gtfine", tmp_path / "out")
    plain = [p for p in (root / "gtFine").rglob("*.json") if '"verified"' not in p.read_text()]
    assert plain
    for path in plain:
        assert (tmp_path / "out" / path.relative_to(root)).read_bytes() == path.read_bytes()


def test_supervisely_export_reads_back_to_identical_tables(replica, tmp_path):
    _, wh = replica
    export(wh, "supervisely", tmp_path / "project")
    again, _ = Warehouse.build(tmp_path / "project", tmp_path / "again")
    for name in ("images", "objects", "polygons"):
        assert table(again, name) == table(wh, name), name
    assert [gtfine_raw(r) for r in table(again, "rejects")] == table(wh, "rejects")
    assert again.info()["objects_read"] == wh.info()["objects_read"]


def test_supervisely_then_gtfine_gives_the_original_files_back(tiny_warehouse, tiny_folder, tmp_path):
    export(tiny_warehouse, "supervisely", tmp_path / "project")
    again, _ = Warehouse.build(tmp_path / "project", tmp_path / "again")
    export(again, "gtfine", tmp_path / "out")
    for rel in TINY:
        assert (tmp_path / "out" / rel).read_bytes() == (tiny_folder / rel).read_bytes(), rel


def test_export_of_a_synthetic_warehouse_stays_synthetic(replica, tmp_path):
    _, wh = replica
    export(wh, "supervisely", tmp_path / "project")
    again, _ = Warehouse.build(tmp_path / "project", tmp_path / "again")
    assert again.info()["synthetic"] is True


def test_supervisely_meta_declares_label_colours_and_one_tag_per_city(tiny_warehouse, tmp_path):
    export(tiny_warehouse, "supervisely", tmp_path / "project")
    meta = json.loads((tmp_path / "project/meta.json").read_text())
    colours = {c["title"]: c["color"] for c in meta["classes"]}
    assert (colours["road"], colours["car"], colours["spaceship"]) == ("#804080", "#00008e", "#808080")
    assert [t["name"] for t in meta["tags"]] == ["aachen", "bochum", "frankfurt"]


def test_split_option_exports_that_split_only(tiny_warehouse, tmp_path):
    summary = export(tiny_warehouse, "supervisely", tmp_path / "project", split="val")
    assert summary.images == 1
    assert sorted(p.name for p in (tmp_path / "project").iterdir()) == ["meta.json", "val"]


def test_unknown_split_is_refused_naming_the_splits(tiny_warehouse, tmp_path):
    with pytest.raises(ExportError, match="no images of split 'tset'.*train, val"):
        export(tiny_warehouse, "gtfine", tmp_path / "out", split="tset")


def test_non_empty_output_folder_is_refused(tiny_warehouse, tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "keep.txt").write_text("mine")
    with pytest.raises(ExportError, match="exists and is not empty"):
        export(tiny_warehouse, "gtfine", tmp_path / "out")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_unknown_format_is_refused(tiny_warehouse, tmp_path):
    with pytest.raises(ExportError, match="unknown export format 'voc'"):
        export(tiny_warehouse, "voc", tmp_path / "out")


def test_progress_reports_every_image(tiny_warehouse, tmp_path):
    calls = []
    export(tiny_warehouse, "gtfine", tmp_path / "out", progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 3), (2, 3), (3, 3)]


def test_the_method_raises_the_export_error_itself(tiny_warehouse, tmp_path):
    """A caller of the API catches ExportError (or WarehouseError, its base), not a copy of its text."""
    from cityscapes_warehouse import Warehouse, WarehouseError

    with pytest.raises(ExportError, match="no images of split 'tset'") as refused:
        Warehouse(tiny_warehouse).export("gtfine", tmp_path / "out", split="tset")
    assert isinstance(refused.value, WarehouseError)
