"""Export to a Supervisely project: meta.json, then {split}/ann/{image_id}_leftImg8bit.png.json.

No images are written (the warehouse holds none), so there is no img/ folder. meta.json declares
one polygon class per row of the `labels` table, with its colour, plus any unknown label a
rejected object carries, and one tag per city. Each annotation tags its image with its city and
lists every object of the source file in draw order: accepted objects as exterior + interior
rings exactly as in `polygons`, rejected ones from `rejects.raw` (renamed to Supervisely keys
when the source was gtFine), so that reading the project back gives the same tables.
"""

from __future__ import annotations

import json
import time
import zlib
from os import PathLike
from pathlib import Path

import orjson

from ..formats import FORMATS
from ..sources.supervisely import gtfine_to_supervisely
from .snapshot import Rejected, Snapshot, load_snapshot
from .summary import ExportSummary, Progress
from .target import staged_output

UNKNOWN_CLASS_COLOR = "#808080"


def export_supervisely(
    warehouse: str | PathLike, out: str | Path, split: str | None = None, progress: Progress | None = None
) -> ExportSummary:
    started = time.perf_counter()
    snap = load_snapshot(warehouse, split)
    rejected = 0
    with staged_output(Path(out), snap.synthetic) as stage:
        (stage / "meta.json").write_bytes(orjson.dumps(project_meta(snap), option=orjson.OPT_INDENT_2))
        for folder in {image["split"] for image in snap.images}:
            (stage / folder / "ann").mkdir(parents=True)
        for i, image in enumerate(snap.images):
            doc, n_rejected = annotation(snap, i)
            path = stage / image["split"] / "ann" / f"{image['image_id']}_leftImg8bit.png.json"
            path.write_bytes(orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY))
            rejected += n_rejected
            if progress:
                progress(i + 1, len(snap.images))
    return ExportSummary(
        "supervisely",
        Path(out),
        len(snap.images),
        len(snap.images),
        len(snap.objects["label"]),
        rejected,
        time.perf_counter() - started,
    )


def project_meta(snap: Snapshot) -> dict:
    classes = [_class(row["label"], row["color_hex"]) for row in snap.labels]
    known = {row["label"] for row in snap.labels}
    # An unknown label must be declared, or reading back would reject its object for that instead.
    unknown = sorted(
        {
            r.label
            for rs in snap.rejected.values()
            for r in rs
            if r.reason == "unknown_label" and r.label and r.label not in known
        }
    )
    classes += [_class(label, UNKNOWN_CLASS_COLOR) for label in unknown]
    cities = sorted({image["city"] for image in snap.images})
    tags = [
        {
            "name": city,
            "value_type": "none",
            "color": _color_of(city),
            "hotkey": "",
            "applicable_type": "imagesOnly",
            "classes": [],
        }
        for city in cities
    ]
    return {"classes": classes, "tags": tags, "projectType": "images"}


def annotation(snap: Snapshot, i: int) -> tuple[dict, int]:
    image = snap.images[i]
    objects, rejected = [], 0
    for _, entry in snap.entries(i):
        if isinstance(entry, Rejected):
            obj = json.loads(entry.raw)
            if snap.source_format != "supervisely":
                obj = gtfine_to_supervisely(FORMATS[snap.source_format].raw_to_gtfine(obj))
            objects.append(obj)
            rejected += 1
        else:
            exterior, *interior = snap.rings(entry)
            objects.append(
                {
                    "classTitle": str(snap.objects["label"][entry]),
                    "description": "",
                    "geometryType": "polygon",
                    "tags": [],
                    "points": {"exterior": exterior, "interior": interior},
                }
            )
    doc = {
        "description": "",
        "tags": [{"name": image["city"], "value": None}],
        "size": {"height": image["height"], "width": image["width"]},
        "objects": objects,
    }
    return doc, rejected


def _class(title: str, color: str) -> dict:
    return {"title": title, "shape": "polygon", "color": color, "geometry_config": {}, "hotkey": ""}


def _color_of(name: str) -> str:
    """A fixed colour per tag name, so the same warehouse always gives the same meta.json."""
    return f"#{zlib.crc32(name.encode()) & 0xFFFFFF:06x}"
