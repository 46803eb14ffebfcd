"""Fuzz the whole build of one file by hand (not in CI): `.venv/bin/python fuzz/fuzz_build.py [SECONDS]`.

Each input (a mutated real-format file, a random JSON document, or random bytes; gtFine or
Supervisely) goes through what a build does with one file: parse, the batch's Arrow tables cast
to their schemas (the worker's step), and, for one input in AUDIT_EVERY, a whole build of a folder
holding it beside a good file, audited by the integrity suites and published. The property: no
exception, objects + object rejects = objects read, and the file is in `images` or `rejects`.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from fuzz_parse import GTFINE_NAME, SEED_DOC, SUPERVISELY_NAME, one_input

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.batches import parse_batch
from cityscapes_warehouse.sources import SourceFile

AUDIT_EVERY = 50
GOOD = json.dumps(SEED_DOC).encode()
META = json.dumps({"classes": [{"title": t} for t in ("road", "car", "out of roi")], "tags": []}).encode()


def fuzz_input(rng: random.Random) -> SourceFile:
    if rng.random() < 0.15:  # bytes with no structure at all
        src = one_input(rng)
        data = bytes(rng.randrange(256) for _ in range(rng.randint(0, 400)))
        return SourceFile(src.source_path, src.split, src.city, src.file_name, data, None, src.format, src.classes)
    return one_input(rng)


def check_tables(src: SourceFile) -> None:
    tables, objects_read, files = parse_batch([src])
    object_rejects = sum(order is not None for order in tables["rejects"]["draw_order"].to_pylist())
    assert files == 1
    assert tables["objects"].num_rows + object_rejects == objects_read
    assert tables["images"].num_rows + tables["rejects"].num_rows >= 1, "the file is in neither images nor rejects"


def check_build(src: SourceFile, tmp: Path) -> None:
    """A whole build (audit and publish included) of the input beside a good file."""
    root = tmp / "src"
    if src.format == "supervisely":
        (root / "train/ann").mkdir(parents=True)
        (root / "meta.json").write_bytes(META)
        (root / "train/ann" / SUPERVISELY_NAME).write_bytes(src.data)
        (root / "train/ann/ulm_000000_000020_leftImg8bit.png.json").write_bytes(
            json.dumps({"size": {"height": 1024, "width": 2048}, "tags": [], "objects": []}).encode()
        )
    else:
        (root / "gtFine/train/ulm").mkdir(parents=True)
        (root / "gtFine/train/ulm" / GTFINE_NAME).write_bytes(src.data)
        (root / "gtFine/train/ulm/ulm_000000_000020_gtFine_polygons.json").write_bytes(GOOD)
    wh, summary = Warehouse.build(root, tmp / "wh")
    object_rejects = wh.query("select count(*) from rejects where draw_order is not null").item()
    assert summary.objects + object_rejects == summary.objects_read
    named = wh.query("select count(*) from (select source_path from images union select source_path from rejects)")
    assert named.item() == 2


def main(seconds: float) -> int:
    rng = random.Random(1)
    tried = built = crashes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        src = fuzz_input(rng)
        tried += 1
        try:
            check_tables(src)
            if tried % AUDIT_EVERY == 0:
                with tempfile.TemporaryDirectory() as tmp:
                    check_build(src, Path(tmp))
                built += 1
        except Exception:
            crashes += 1
            if crashes <= 5:
                print(f"crash on input {src.data[:200]!r}:\n{traceback.format_exc()}")
    print(f"fuzz_build: {tried} inputs in {seconds:.0f} s ({built} whole builds, audited), {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60))
