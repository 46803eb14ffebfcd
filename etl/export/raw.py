"""A rejected object's raw JSON, spelled in the other format, so exports keep every object in place.

Only the keys that name the same thing are renamed (label <-> classTitle, polygon <-> points);
every other key, such as the labelling tool's `deleted`, travels as it is, so reading the export
rejects the object again for the same reason, and the round trip gives the original object back.
"""

from __future__ import annotations

from itertools import chain


def gtfine_to_supervisely(obj):
    if not isinstance(obj, dict):
        return obj
    renamed = {}
    for key, value in obj.items():
        if key == "label":
            renamed["classTitle"] = value
        elif key == "polygon":
            renamed["points"] = {"exterior": value, "interior": []}
        else:
            renamed[key] = value
    return renamed


def supervisely_to_gtfine(obj):
    if not isinstance(obj, dict):
        return obj
    renamed = {}
    for key, value in obj.items():
        if key == "classTitle":
            renamed["label"] = value
        elif key == "points":
            renamed["polygon"] = _joined(value)
        else:
            renamed[key] = value
    return renamed


def _joined(points):
    """gtFine has one point list: the exterior, then any holes after it (as 'out of roi' does)."""
    if not isinstance(points, dict):
        return points
    interior = points.get("interior") or []
    rings = [points.get("exterior", []), *interior] if isinstance(interior, list) else [points.get("exterior", [])]
    return list(chain.from_iterable(r for r in rings if isinstance(r, list)))
