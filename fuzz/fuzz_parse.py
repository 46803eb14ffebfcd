"""Fuzz the annotation parsers by hand (not in CI): `.venv/bin/python fuzz/fuzz_parse.py [SECONDS]`.

Feeds parse_file mutated real-format files (bytes flipped, cut, spliced, duplicated) and random
JSON documents, for both formats, and counts the inputs that make it raise instead of rejecting.
The property: parse_file never raises, and every object of a file that parsed is loaded or rejected.
"""

from __future__ import annotations

import json
import random
import sys
import time
import traceback

from cityscapes_warehouse.formats import parse_file
from cityscapes_warehouse.sources import SourceFile

GTFINE_NAME = "ulm_000000_000019_gtFine_polygons.json"
SUPERVISELY_NAME = "ulm_000000_000019_leftImg8bit.png.json"
SEED_DOC = {
    "imgHeight": 1024,
    "imgWidth": 2048,
    "objects": [
        {"label": "road", "polygon": [[0, 0], [10, 0], [10, 10], [0, 10]]},
        {
            "label": "out of roi",
            "polygon": [[0, 0], [2047, 0], [2047, 1023], [0, 1023], [0, 0], [5, 5], [9, 5], [9, 9]],
        },
        {"label": "car", "polygon": [[1, 1], [2, 2]], "deleted": 0},
    ],
}
SEED_SLY = {
    "size": {"height": 1024, "width": 2048},
    "tags": [{"name": "ulm", "value": None}],
    "objects": [
        {
            "classTitle": "road",
            "geometryType": "polygon",
            "points": {"exterior": [[0, 0], [10, 0], [10, 10]], "interior": [[[2, 2], [3, 2], [3, 3]]]},
        },
    ],
}
ATOMS = [None, True, 0, -1, 2**40, 1.5, float("nan"), "", "road", "out of roi", [], {}, [[1, 2]], [[[1, 2]]]]


def random_json(rng: random.Random, depth: int = 0):
    if depth > 3 or rng.random() < 0.4:
        return rng.choice(ATOMS)
    if rng.random() < 0.5:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["label", "polygon", "objects", "imgWidth", "imgHeight", "deleted", "classTitle", "points", "size", "x"]
    return {rng.choice(keys): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def mutate(rng: random.Random, data: bytes) -> bytes:
    data = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        kind = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if kind == 0 and data:
            data[min(at, len(data) - 1)] = rng.randrange(256)
        elif kind == 1:
            del data[at : at + rng.randint(1, 40)]
        elif kind == 2:
            data[at:at] = rng.choice([b"[", b"]", b"{", b"}", b",", b"-", b"1e400", b"NaN", b'"', b"\xef\xbb\xbf"])
        elif kind == 3 and data:
            start = rng.randrange(len(data))
            data[at:at] = data[start : start + rng.randint(1, 80)]
        else:
            data = data[:at]
    return bytes(data)


def one_input(rng: random.Random) -> SourceFile:
    sly = rng.random() < 0.3
    seed = SEED_SLY if sly else SEED_DOC
    if rng.random() < 0.6:
        data = mutate(rng, json.dumps(seed, indent=4).encode())
    else:
        doc = dict(seed)
        doc[rng.choice(list(doc))] = random_json(rng)
        data = json.dumps(doc).encode()
    if sly:
        return SourceFile(
            f"train/ann/{SUPERVISELY_NAME}",
            "train",
            "ulm",
            SUPERVISELY_NAME,
            data,
            None,
            "supervisely",
            frozenset({"road", "car", "out of roi"}),
        )
    return SourceFile(f"gtFine/train/ulm/{GTFINE_NAME}", "train", "ulm", GTFINE_NAME, data)


def main(seconds: float) -> int:
    rng = random.Random(0)
    tried = crashes = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        src = one_input(rng)
        tried += 1
        try:
            parsed = parse_file(src)
            object_rejects = sum(r["draw_order"] is not None for r in parsed.rejects)
            assert parsed.objects_read == len(parsed.labels) + object_rejects
        except Exception:
            crashes += 1
            if crashes <= 5:
                print(f"crash on input {src.data[:200]!r}:\n{traceback.format_exc()}")
    print(f"fuzz_parse: {tried} inputs in {seconds:.0f} s, {crashes} crashes")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]) if len(sys.argv) > 1 else 60))
