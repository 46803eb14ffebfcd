"""The round trips at full scale: the 5000-image replica, 287k objects, 7.3M vertices.

Timings are printed (run with -s), never asserted: benchmarks do not fail CI on a time.
"""

from __future__ import annotations

import json
import time

import pytest
from test_export_roundtrip import content, gtfine_files, gtfine_raw, table

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.demo import cached_replica, default_cache
from cityscapes_warehouse.export import export

pytestmark = pytest.mark.full_scale


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    folder, _, _ = cached_replica(default_cache(), 0, 1.0)
    wh, _ = Warehouse.build(folder, tmp_path_factory.mktemp("full") / "warehouse")
    return folder, wh


def timed(what: str, run):
    started = time.perf_counter()
    result = run()
    print(f"\n{what}: {time.perf_counter() - started:.1f}s")
    return result


def test_full_gtfine_export_parses_to_the_original_objects(full, tmp_path):
    folder, wh = full
    timed("export gtfine", lambda: export(wh, "gtfine", tmp_path / "out"))
    original, exported = gtfine_files(folder), gtfine_files(tmp_path / "out")
    assert exported.keys() == original.keys() and len(original) == 5000
    for rel, objects in original.items():
        assert [content(o) for o in exported[rel]] == [content(o) for o in objects], rel


def test_full_supervisely_export_reads_back_to_identical_tables(full, tmp_path):
    _, wh = full
    timed("export supervisely", lambda: export(wh, "supervisely", tmp_path / "project"))
    again, _ = timed("build from supervisely", lambda: Warehouse.build(tmp_path / "project", tmp_path / "again"))
    for name in ("images", "objects", "polygons"):
        assert table(again, name) == table(wh, name), name
    assert [gtfine_raw(r) for r in table(again, "rejects")] == table(wh, "rejects")
    assert again.info()["synthetic"] is True


def test_full_coco_export_loads_with_every_object(full, tmp_path):
    coco_api = pytest.importorskip("pycocotools.coco")
    _, wh = full
    timed("export coco", lambda: export(wh, "coco", tmp_path / "coco"))
    annotations = 0
    for split in ("train", "val", "test"):
        coco = coco_api.COCO(str(tmp_path / "coco" / f"instances_{split}.json"))
        annotations += len(coco.getAnnIds())
        assert json.loads((tmp_path / "coco" / f"instances_{split}.json").read_text())["info"]["synthetic"] is True
    assert annotations == 287540


def test_full_coco_export_is_read_within_the_coco_limits_with_a_margin(full, tmp_path):
    """The limits a COCO file is refused beyond (sources/coco.py) leave the largest split, train
    (149 MB, 948,994 lists and objects, estimated 2.1 GB), a margin of at least 1.5."""
    from cityscapes_warehouse.parse import json_size
    from cityscapes_warehouse.sources import coco

    _, wh = full
    export(wh, "coco", tmp_path / "coco")
    for split in ("train", "val", "test"):
        path = tmp_path / "coco" / f"instances_{split}.json"
        data = path.read_bytes()
        size = json_size(data)
        assert 1.5 * len(data) <= coco.MAX_COCO_BYTES
        assert 1.5 * size.containers <= coco.MAX_COCO_CONTAINERS
        assert 1.5 * size.parsed_bytes <= coco.MAX_COCO_PARSED_BYTES
        doc = json.loads(data)
        assert 1.5 * len(doc["images"]) <= coco.MAX_COCO_IMAGES
        assert 1.5 * len(doc["annotations"]) <= coco.MAX_COCO_ANNOTATIONS
        del doc, data
        records = coco.detect(path).files()
        assert not [r.problem for r in records if r.problem and r.problem[0] == "too_large"], split
