"""Export to COCO: one instances_{split}.json per split.

Categories. COCO flags a crowd on the annotation (`iscrowd`) rather than by a category of its
own, so a crowd label is exported as its class: `cargroup` is category `car` with `iscrowd` 1, as
cityscapesScripts maps Xgroup to X. `polegroup` is a label of its own (pole has no instances): it
stays category `polegroup`, with `iscrowd` 1 like every group label. The category id is the
Cityscapes label id (1-33); the two labels without a positive id get ids after the table:
`license plate` (id -1) is 34, `unlabeled` (id 0) 35. Every file lists the same categories: one
per class found in the warehouse, any split, so train, val and test ids agree. `supercategory` is
the Cityscapes category (flat, construction, ...). The file's spelling (its entries, the ids of
the categories) is sources/coco.py's, beside the reader that reads it back.

Annotations. One per accepted object, ids in image then draw order (painter's order, a later
annotation hides an earlier one). `area` is the warehouse's `area_px` (shoelace area of the
exterior minus holes); `bbox` is [x_min, y_min, x_max - x_min, y_max - y_min] over the exterior
vertices, the polygon's extent as COCO measures polygons (one less than `bbox_width_px`, which
counts pixels). Vertices outside the image are kept as drawn. Holes: a COCO polygon cannot have
one (several polygons are a union), so an object with holes ('out of roi': the frame minus the
region of interest) is exported as an uncompressed RLE mask of exterior minus holes, pixel centres
inside by the even-odd rule, with `iscrowd` 0; every other object as one polygon
[x1, y1, x2, y2, ...] of its exterior. Rejected objects are not exported. Image ids are numbered
1..n over the whole export (unique across the split files); `file_name` is
`{city}/{image_id}_leftImg8bit.png`, as in leftImg8bit/{split}/.
"""

from __future__ import annotations

import time
from os import PathLike
from pathlib import Path

from ..sources.coco import annotation_entry, category_entry, image_entry, instances_file_name, instances_text
from ..version import __version__
from .rle import polygon_rle
from .snapshot import Snapshot, load_snapshot
from .summary import ExportSummary, Progress
from .target import staged_output


def export_coco(
    warehouse: str | PathLike, out: str | Path, split: str | None = None, progress: Progress | None = None
) -> ExportSummary:
    started = time.perf_counter()
    snap = load_snapshot(warehouse, split)
    categories = coco_categories(snap)
    ids = {c["name"]: c["id"] for c in categories}
    splits = list(dict.fromkeys(image["split"] for image in snap.images))
    done = 0
    with staged_output(Path(out), snap.synthetic) as stage:
        for name in splits:
            images, annotations = [], []
            for i, image in enumerate(snap.images):
                if image["split"] != name:
                    continue
                images.append(image_entry(i + 1, image["city"], image["image_id"], image["width"], image["height"]))
                annotations.extend(_annotations(snap, i, ids))
                done += 1
                if progress:
                    progress(done, len(snap.images))
            info = {
                "description": "Cityscapes gtFine polygons, exported by cityscapes-warehouse",
                "version": __version__,
                "synthetic": snap.synthetic,
            }
            (stage / instances_file_name(name)).write_bytes(instances_text(images, annotations, categories, info))
    return ExportSummary(
        "coco", Path(out), len(splits), len(snap.images), len(snap.objects["label"]), 0, time.perf_counter() - started
    )


def coco_categories(snap: Snapshot) -> list[dict]:
    by_label = {row["label"]: row for row in snap.labels}
    classes = {by_label[label]["base_label"] for label in snap.found_labels}
    rows = [by_label[name] for name in classes]
    categories = [category_entry(row["label_id"], row["label"], row["category"]) for row in rows]
    return sorted(categories, key=lambda c: c["id"])


def _annotations(snap: Snapshot, i: int, category_ids: dict[str, int]) -> list[dict]:
    image = snap.images[i]
    first, last = snap.object_start[i], snap.object_start[i + 1]
    # plain lists per image: indexing numpy scalar by scalar costs more than the rest of the loop
    column = {
        name: snap.objects[name][first:last].tolist()
        for name in ("base_label", "is_group", "area_px", "x_min", "y_min", "x_max", "y_max")
    }
    ring_start = snap.ring_start[first : last + 1].tolist()
    annotations = []
    for j, (r0, r1) in enumerate(zip(ring_start[:-1], ring_start[1:], strict=True)):
        x_min, y_min = column["x_min"][j], column["y_min"][j]
        bbox = [x_min, y_min, column["x_max"][j] - x_min, column["y_max"][j] - y_min]
        annotations.append(
            annotation_entry(
                first + j + 1,
                i + 1,
                category_ids[column["base_label"][j]],
                _segmentation(snap, first + j, r1 - r0, image),
                column["area_px"][j],
                bbox,
                int(column["is_group"][j]),
            )
        )
    return annotations


def _segmentation(snap: Snapshot, k: int, n_rings: int, image: dict) -> list | dict:
    """One polygon [x1, y1, x2, y2, ...] when the object has no hole; an RLE mask when it has."""
    if n_rings == 1:
        return [snap.points(k).ravel()]
    return polygon_rle(snap.rings(k), image["width"], image["height"])
