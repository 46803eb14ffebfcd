"""One gtFine polygon file -> one image, its objects as rings of vertices, and its rejects.

Pure: bytes in, records out. Every object in the file's `objects` list ends up either accepted
(with its draw_order, the index in that list) or rejected with a reason, so nothing is lost.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import orjson

from .labels import LABELS
from .sources import SourceFile

FILE_NAME = re.compile(r"^(?P<city>[a-z]+(?:_[a-z]+)*)_(?P<seq>\d{6})_(?P<frame>\d{6})_gtFine_polygons\.json$")
OUT_OF_ROI = "out of roi"
INT32 = np.iinfo(np.int32)


@dataclass
class ParsedFile:
    source_path: str
    image: dict | None = None  # an `images` row, None when the whole file is rejected
    objects_read: int = 0
    draw_orders: list[int] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    rings_per_object: list[int] = field(default_factory=list)
    roi_frame_missing: list[bool] = field(default_factory=list)
    ring_lengths: list[int] = field(default_factory=list)
    xy: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.int32))
    rejects: list[dict] = field(default_factory=list)

    def reject(self, reason: str, detail: str, draw_order: int | None = None, obj=None) -> None:
        label = obj.get("label") if isinstance(obj, dict) else None
        self.rejects.append({
            "source_path": self.source_path,
            "image_id": self.image["image_id"] if self.image else None,
            "draw_order": draw_order,
            "label": label if isinstance(label, str) else None,
            "reason": reason,
            "detail": detail,
            "raw": None if obj is None else json.dumps(obj, separators=(",", ":")),
        })


def image_id_of(file_name: str) -> str | None:
    m = FILE_NAME.match(file_name)
    return f"{m['city']}_{m['seq']}_{m['frame']}" if m else None


def parse_file(src: SourceFile, duplicate_of: str | None = None) -> ParsedFile:
    """Parse one polygon file. `duplicate_of` names the file that already gave this image_id."""
    out = ParsedFile(src.source_path)
    if src.problem:
        out.reject(*src.problem)
        return out
    m = FILE_NAME.match(src.file_name)
    if not m:
        pattern = "{city}_{seq}_{frame}_gtFine_polygons.json"
        out.reject("bad_file_name", f"'{src.file_name}' does not follow {pattern}")
        return out
    if m["city"] != src.city:
        out.reject("city_mismatch", f"file of city '{m['city']}' lies in the folder of city '{src.city}'")
        return out
    doc, error = _load_json(src.data)
    if error:
        out.reject("malformed_json", error)
        return out
    size_problem = _size_problem(doc)
    if size_problem:
        out.reject("missing_field", size_problem)
        return out
    out.image = {
        "image_id": f"{m['city']}_{m['seq']}_{m['frame']}", "split": src.split, "city": src.city,
        "sequence": int(m["seq"]), "frame": int(m["frame"]),
        "width": doc["imgWidth"], "height": doc["imgHeight"], "source_path": src.source_path,
    }
    objects = doc["objects"]
    out.objects_read = len(objects)
    if duplicate_of:
        for order, obj in enumerate(objects):
            out.reject("duplicate_image", f"image already read from {duplicate_of}", order, obj)
        out.image = None
        return out
    _accept_objects(out, objects)
    out.image["n_objects"] = len(out.labels)
    out.image["n_rejected"] = len(out.rejects)
    return out


def _load_json(data: bytes) -> tuple[object, str | None]:
    if not data.strip():
        return None, "empty file"
    try:
        return orjson.loads(data), None
    except orjson.JSONDecodeError:
        pass
    # The standard library accepts what Python's own json wrote (NaN, a BOM) and says where it broke.
    try:
        return json.loads(data.decode("utf-8-sig")), None
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text: {exc}"
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc}"


def _size_problem(doc) -> str | None:
    if not isinstance(doc, dict):
        return f"top level is a {type(doc).__name__}, not an object"
    for key in ("imgWidth", "imgHeight"):
        value = doc.get(key)
        if type(value) is not int or value <= 0:
            return f"'{key}' is missing or not a positive integer (got {value!r})"
    if not isinstance(doc.get("objects"), list):
        return "'objects' is missing or not a list"
    return None


def _object_problem(obj) -> tuple[str, str] | None:
    if not isinstance(obj, dict):
        return "bad_object", f"object is a {type(obj).__name__}, not an object"
    if obj.get("deleted"):
        return "deleted", "marked deleted by the labelling tool (cityscapesScripts skips it)"
    label = obj.get("label")
    if not isinstance(label, str):
        return "missing_label", "no 'label' string"
    if label not in LABELS:
        return "unknown_label", f"label '{label}' is not in the Cityscapes label table"
    polygon = obj.get("polygon")
    if not isinstance(polygon, list):
        return "missing_polygon", "no 'polygon' list"
    if len(polygon) < 3:
        return "too_few_points", f"{len(polygon)} point(s); a polygon needs at least 3"
    return None


def _vertices(polygons: list[list]) -> np.ndarray | None:
    """All vertices as an (n, 2) int32 array, or None if any is not a pair of int32 integers."""
    flat = list(chain.from_iterable(polygons))
    try:
        arr = np.array(flat)
    except (ValueError, TypeError, OverflowError):
        return None
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.dtype.kind != "i":
        return None
    if arr.size and (arr.min() < INT32.min or arr.max() > INT32.max):
        return None
    return arr.astype(np.int32, copy=False)


def _vertex_problem(polygon: list) -> str:
    for i, vertex in enumerate(polygon):
        if not (isinstance(vertex, list) and len(vertex) == 2 and all(type(v) is int for v in vertex)):
            return f"vertex {i} is {vertex!r}: coordinates must be [x, y] integer pairs"
        if not all(INT32.min <= v <= INT32.max for v in vertex):
            return f"vertex {i} is {vertex!r}: coordinate outside the 32-bit range"
    return "coordinates are not [x, y] integer pairs"


def _accept_objects(out: ParsedFile, objects: list) -> None:
    kept: list[tuple[int, dict]] = []
    for order, obj in enumerate(objects):
        problem = _object_problem(obj)
        if problem:
            out.reject(*problem, draw_order=order, obj=obj)
        else:
            kept.append((order, obj))
    xy = _vertices([obj["polygon"] for _, obj in kept])
    if xy is None:  # slow path: find the objects with bad coordinates, one by one
        good = []
        for order, obj in kept:
            if _vertices([obj["polygon"]]) is None:
                out.reject("bad_coordinates", _vertex_problem(obj["polygon"]), order, obj)
            else:
                good.append((order, obj))
        kept = good
        xy = _vertices([obj["polygon"] for _, obj in kept])
        if xy is None:
            xy = np.empty((0, 2), np.int32)
    out.rejects.sort(key=lambda r: r["draw_order"])
    out.xy = xy
    start = 0
    for order, obj in kept:
        n = len(obj["polygon"])
        rings, frame_missing = _rings(obj["label"], xy[start:start + n])
        out.draw_orders.append(order)
        out.labels.append(obj["label"])
        out.rings_per_object.append(len(rings))
        out.ring_lengths.extend(rings)
        out.roi_frame_missing.append(frame_missing)
        start += n


def _rings(label: str, pts: np.ndarray) -> tuple[list[int], bool]:
    """Ring lengths of one object, and whether an 'out of roi' lacks its frame.

    'out of roi' is a closed 5-point frame around the image, then the boundary of the region of
    interest, which Dataset Ninja reads as the hole: polygon[:5] exterior, polygon[5:] interior.
    """
    n = len(pts)
    if label != OUT_OF_ROI:
        return [n], False
    if n >= 5 and _is_frame(pts[:5]):
        if n == 5:
            return [5], False
        if n >= 8:
            return [5, n - 5], False
    return [n], True


def _is_frame(p: np.ndarray) -> bool:
    if not (p[0] == p[4]).all():
        return False
    xs, ys = p[:4, 0], p[:4, 1]
    # an axis-aligned rectangle: two distinct xs and two distinct ys, each corner once
    corners = {(x, y) for x, y in p[:4].tolist()}
    return len(set(xs.tolist())) == 2 and len(set(ys.tolist())) == 2 and len(corners) == 4
