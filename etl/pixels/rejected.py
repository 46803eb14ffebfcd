"""Objects the warehouse rejects that the official label images still draw.

The parser keeps in `objects` what Dataset Ninja counts: polygons of 3 or more points with a label
of the table. cityscapesScripts draws more: two-point objects (Pillow draws the segment) and a
label ending in "group" whose class exists (`busgroup` as bus). Those sit in `rejects` with their
raw JSON; this module reads them back, in the shape of `objects` and `polygons`, so that the
official rasterisation sees every object the official tools draw and the rest stays as it is.
"""

from __future__ import annotations

import numpy as np
import orjson
import pyarrow as pa

from .. import reasons
from .official import MIN_POINTS, official_values

# The reasons an object the official tools draw can have been rejected for; any other reason
# (deleted, bad coordinates, a 0- or 1-point polygon, ...) is not drawn: see official.py.
DRAWN_REASONS = (reasons.TOO_FEW_POINTS, reasons.UNKNOWN_LABEL)
REJECT_COLUMNS = ("image_id", "draw_order", "label", "reason", "raw")

# The columns of `objects` and `polygons` (schemas.py) the rasterisation reads.
OBJECTS = pa.schema(
    [("object_id", pa.string()), ("image_id", pa.string()), ("draw_order", pa.int32()), ("label", pa.string())]
)
RINGS = pa.schema(
    [
        ("object_id", pa.string()),
        ("ring", pa.int16()),
        ("vertices", pa.list_(pa.struct([("x", pa.int32()), ("y", pa.int32())]))),
    ]
)


def officially_drawn(rejects: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(objects, polygons) of the rejected objects the official tools draw (gtFine `polygon` lists)."""
    objects, rings = [], []
    candidates = rejects.select(list(REJECT_COLUMNS)).to_pylist()
    for row in candidates:
        if row["reason"] not in DRAWN_REASONS or row["image_id"] is None or row["draw_order"] is None:
            continue
        points = _point_list(row["raw"])
        if points is None or not isinstance(row["label"], str) or official_values(row["label"]) is None:
            continue
        object_id = f"{row['image_id']}#{row['draw_order']}"
        objects.append(
            {
                "object_id": object_id,
                "image_id": row["image_id"],
                "draw_order": row["draw_order"],
                "label": row["label"],
            }
        )
        rings.append({"object_id": object_id, "ring": 0, "vertices": [{"x": x, "y": y} for x, y in points]})
    return pa.Table.from_pylist(objects, schema=OBJECTS), pa.Table.from_pylist(rings, schema=RINGS)


def _point_list(raw: str | None) -> list[list[int]] | None:
    """The object's `polygon` as [x, y] int32 pairs, at least MIN_POINTS of them; None otherwise."""
    try:
        obj = orjson.loads(raw or "null")
    except orjson.JSONDecodeError:
        return None
    polygon = obj.get("polygon") if isinstance(obj, dict) else None
    if not isinstance(polygon, list) or len(polygon) < MIN_POINTS:
        return None
    if not all(isinstance(p, list) and len(p) == 2 and all(type(v) is int for v in p) for p in polygon):
        return None
    info = np.iinfo(np.int32)
    if any(not info.min <= v <= info.max for p in polygon for v in p):
        return None
    return polygon
