"""Export to the raw gtFine layout: gtFine/{split}/{city}/{image_id}_gtFine_polygons.json.

Each file lists every object of its source file, in draw order: accepted objects from `polygons`
(an 'out of roi' is its frame followed by its hole again, one point list), rejected ones from
`rejects.raw`, so degenerate and deleted objects come back whole. The text is Python 2's
json.dump(indent=4) formatting, as in the real release (sources/gtfine.py writes it, for the replica too).
Not kept by the warehouse, hence not written: the labelling tool's optional keys (`verified`,
`user`, `date`, `id`) of accepted objects. gtFine has no holes except that of 'out of roi': the
holes of any other object (possible only from a Supervisely source) are appended to its point list.
"""

from __future__ import annotations

import json
import time
from os import PathLike
from pathlib import Path

from ..formats import FORMATS
from ..sources.gtfine import file_text, object_text, polygon_file_path, raw_object_text
from .snapshot import Rejected, Snapshot, load_snapshot
from .summary import ExportSummary, Progress
from .target import staged_output


def export_gtfine(
    warehouse: str | PathLike, out: str | Path, split: str | None = None, progress: Progress | None = None
) -> ExportSummary:
    started = time.perf_counter()
    snap = load_snapshot(warehouse, split)
    rejected = 0
    with staged_output(Path(out), snap.synthetic) as stage:
        folders: set[Path] = set()
        for i, image in enumerate(snap.images):
            path = stage / polygon_file_path(image["split"], image["city"], image["image_id"])
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            text, n_rejected = image_file_text(snap, i)
            path.write_text(text, encoding="utf-8")
            rejected += n_rejected
            if progress:
                progress(i + 1, len(snap.images))
    return ExportSummary(
        "gtfine",
        Path(out),
        len(snap.images),
        len(snap.images),
        len(snap.objects["label"]),
        rejected,
        time.perf_counter() - started,
    )


def image_file_text(snap: Snapshot, i: int) -> tuple[str, int]:
    """Image i's polygon file, and how many of its objects came from `rejects.raw`."""
    image = snap.images[i]
    parts, rejected = [], 0
    for _, entry in snap.entries(i):
        if isinstance(entry, Rejected):
            parts.append(raw_object_text(FORMATS[snap.source_format].raw_to_gtfine(json.loads(entry.raw))))
            rejected += 1
        else:
            parts.append(object_text(str(snap.objects["label"][entry]), snap.points(entry), None))
    return file_text(parts, image["width"], image["height"]), rejected
