"""Export to a Supervisely project: meta.json, then {split}/ann/{image_id}_leftImg8bit.png.json.

No images are written (the warehouse holds none), so there is no img/ folder. meta.json declares
one polygon class per row of the `labels` table, with its colour, plus any unknown label a
rejected object carries, and one tag per city. Each annotation tags its image with its city and
lists every object of the source file in draw order: accepted objects as exterior + interior
rings exactly as in `polygons`, rejected ones from `rejects.raw` (renamed to Supervisely keys
when the source was gtFine), so that reading the project back gives the same tables. The files'
spelling is sources/supervisely.py's.
"""

from __future__ import annotations

import json
import time
from os import PathLike
from pathlib import Path

from .. import reasons
from ..formats import FORMATS
from ..sources.supervisely import (
    META_FILE,
    annotation_path,
    annotation_text,
    gtfine_to_supervisely,
    meta_text,
    polygon_object,
)
from .snapshot import Rejected, Snapshot, load_snapshot
from .summary import ExportSummary, Progress
from .target import staged_output


def export_supervisely(
    warehouse: str | PathLike, out: str | Path, split: str | None = None, progress: Progress | None = None
) -> ExportSummary:
    started = time.perf_counter()
    snap = load_snapshot(warehouse, split)
    rejected = 0
    with staged_output(Path(out), snap.synthetic) as stage:
        (stage / META_FILE).write_bytes(project_meta(snap))
        for folder in {image["split"] for image in snap.images}:
            (stage / folder / "ann").mkdir(parents=True)
        for i, image in enumerate(snap.images):
            text, n_rejected = annotation(snap, i)
            (stage / annotation_path(image["split"], image["image_id"])).write_bytes(text)
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


def project_meta(snap: Snapshot) -> bytes:
    """meta.json: every label of the `labels` table with its colour, then any unknown label a rejected
    object carries (undeclared, reading back would reject its object for that instead)."""
    known = {row["label"] for row in snap.labels}
    unknown = sorted(
        {
            r.label
            for rs in snap.rejected.values()
            for r in rs
            if r.reason == reasons.UNKNOWN_LABEL and r.label and r.label not in known
        }
    )
    classes = [(row["label"], row["color_hex"]) for row in snap.labels] + [(label, None) for label in unknown]
    return meta_text(classes, sorted({image["city"] for image in snap.images}))


def annotation(snap: Snapshot, i: int) -> tuple[bytes, int]:
    """Image i's annotation file, and how many of its objects came from `rejects.raw`."""
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
            objects.append(polygon_object(str(snap.objects["label"][entry]), exterior, interior))
    return annotation_text(image["city"], image["width"], image["height"], objects), rejected
