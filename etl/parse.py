"""One annotation file -> one image, its objects as rings of vertices, and its rejects: what every
format's parser shares.

Pure: bytes in, records out. Every object in the file's `objects` list ends up either accepted
(with its draw_order, the index in that list) or rejected with a reason, so nothing is lost.
Each format's module (sources/gtfine.py, sources/supervisely.py, sources/coco.py) reads its own
document and describes its objects as an ObjectFormat; the JSON guards, the object checks, the
vertex conversion and the 'out of roi' rings are here, so the same annotations give the same
records whatever format spelled them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import orjson

from . import reasons
from .labels import LABELS

# The camera image itself, as formats that list images rather than annotation files name it (COCO)
IMAGE_FILE_NAME = re.compile(
    r"^(?P<city>[a-z]+(?:_[a-z]+)*)_(?P<seq>\d{6})_(?P<frame>\d{6})_leftImg8bit\.(?:png|jpg|jpeg)$"
)
OUT_OF_ROI = "out of roi"
# The sane ranges, documented in data/README.md: Cityscapes images are 2048 x 1024, so a side
# beyond MAX_IMAGE_SIDE is no image of this dataset. The pixel stage allocates a few canvases of
# the side claimed, about 4 bytes a pixel per worker: 8,192 keeps a worker of the largest image
# near 300 MB (at 16,384 one took 1 GB, and two workers over 2 GB, from a few KB of JSON).
# Vertices lie within the image or close to it, and COORDINATE_LIMIT keeps every derived column
# (bbox widths, areas) far from the limits of its type. n_holes is an int16.
MAX_IMAGE_SIDE = 8_192
COORDINATE_LIMIT = 2**20
MAX_HOLES = 32_767
SIGNED_DIGITS = b"-0123456789"  # every character a JSON integer may have


# The release's most crowded file holds 276 objects (Dataset Ninja's figures; 452 in the replica):
# a file of more is no annotation file, and every item of its list would cost a row in memory.
MAX_OBJECTS_PER_FILE = 5_000


# What orjson's values cost as Python objects (CPython 3.11+, 64-bit), measured with tracemalloc:
# each value is a pointer in its list or object (8 bytes) and, if a number, an int of up to 64 bits
# (36) or a float (24); an empty list is 56 bytes; an object of up to 5 keys 184, each key past
# those about 48 more (the table grows by doubling); a string 41 and its characters, up to 4 bytes
# each once one character lies beyond U+FFFF; false, true, null, 0..256 and "" are shared.
VALUE_BYTES = 44
LIST_BYTES = 56
OBJECT_BYTES = 184
KEY_BYTES = 48
QUOTE_BYTES = 24  # a string's 41 bytes of header, over its two quotes
# per byte of text: a string's characters; beyond ASCII, or with an escape (which may spell any
# character), 4 bytes a character, and the standard library's decoded copy of the text (load_json's
# second reader) as much again
ASCII_TEXT_BYTES = 1
OTHER_TEXT_BYTES = 8


@dataclass(frozen=True)
class JsonSize:
    """Upper bounds on what a JSON text holds, counted from its bytes before anything is parsed: a
    structural character inside a string is counted too, so each count can only be too high."""

    values: int  # values in lists, objects and at the top (every one is the first of its container or follows a ',')
    containers: int  # lists and objects
    parsed_bytes: int  # what its values would take as Python objects


def json_size(data: bytes) -> JsonSize:
    """Counted in 0.2 s per 100 MB, in memory of a few hundred kB."""
    commas, lists, objects, keys, quotes = _count_bytes(data, b',[{:"')
    values = commas + lists + objects + 1
    per_byte = ASCII_TEXT_BYTES if data.isascii() and b"\\" not in data else OTHER_TEXT_BYTES
    parsed = (
        VALUE_BYTES * values
        + LIST_BYTES * lists
        + OBJECT_BYTES * objects
        + KEY_BYTES * keys
        + QUOTE_BYTES * quotes
        + per_byte * len(data)
    )
    return JsonSize(values, lists + objects, parsed)


# An annotation file (gtFine, Supervisely) is at most 16 MiB, which one polygon of `[]` turns into
# 5.6 million lists (a worker of about 1 GB): its parse is bounded too. The full-scale replica's
# densest file (0.96 MB, 11,204 lists and objects) is estimated at 3.2 MB, a real file of 2 MiB at
# about 7; 64 MiB leaves a margin of 9. A text of at most 1 MiB is not counted: no shape of it takes
# more than 30 MB (the densest, `{"a":{}}`, is 28 bytes of objects a byte of text).
MAX_PARSED_BYTES_PER_FILE = 64 * 1024 * 1024
UNCOUNTED_BYTES = 1024 * 1024


def too_large_to_parse(data: bytes, limit: int = MAX_PARSED_BYTES_PER_FILE) -> str | None:
    """The detail of a too_large reject for an annotation file whose values would take over `limit`
    bytes as Python objects, counted before they are built; None when it would not."""
    if len(data) <= UNCOUNTED_BYTES:
        return None
    size = json_size(data)
    if size.parsed_bytes <= limit:
        return None
    return (
        f"{size.values:,} JSON values ({size.containers:,} lists and objects): parsing them would take about "
        f"{size.parsed_bytes / 1e6:,.0f} MB, over the {limit / 1e6:.0f} MB an annotation file may take"
    )


def _count_bytes(data: bytes, chars: bytes, step: int = 256 * 1024) -> list[int]:
    """How many times each of `chars` occurs in `data`: numpy compares a slice that stays in the
    CPU's cache once per character, 3 x faster than bytes.count (0.27 s against 0.88 s for the five
    characters of a 149 MB file; a build's 650 MB of text counted for its colons in 0.1 s instead of
    0.34), and allocates a slice's worth, not the text's."""
    text = np.frombuffer(data, np.uint8)
    counts = [0] * len(chars)
    for start in range(0, len(text), step):
        piece = text[start : start + step]
        for i, char in enumerate(chars):
            counts[i] += int(np.count_nonzero(piece == char))
    return counts


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

    def reject(
        self, reason: str, detail: str, draw_order: int | None = None, obj=None, label_key: str = "label"
    ) -> None:
        label = obj.get(label_key) if isinstance(obj, dict) else None
        self.rejects.append(
            {
                "source_path": printable(self.source_path),
                "image_id": self.image["image_id"] if self.image else None,
                "draw_order": draw_order,
                "label": printable(label) if isinstance(label, str) else None,
                "reason": reason,
                "detail": printable(detail),
                "raw": None if obj is None else raw_json(obj),
            }
        )


def printable(text: str) -> str:
    """`text` as valid UTF-8: a lone surrogate (from a JSON escape, or a file name that is not
    UTF-8) is written as its escape, so the row can be stored and still says what was there."""
    try:
        text.encode()
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "backslashreplace").decode()


def raw_json(obj) -> str:
    """An object as compact JSON, whatever it holds (huge integers, NaN, lone surrogates, deep nesting).

    orjson reads 1024 levels of nesting, more than the json module writes back; repr() would recurse
    as deep, so such an object is kept as a JSON string saying what it was (still JSON, for exports).
    """
    try:
        return json.dumps(obj, separators=(",", ":"))
    except RecursionError:
        return json.dumps(f"a {type(obj).__name__} nested too deep to be written back")
    except (ValueError, TypeError):
        return printable(repr(obj))


@dataclass(frozen=True)
class ObjectFormat:
    """How one format spells an object: its label key, and how its point lists are found."""

    label_key: str
    rings: Callable[[dict], list | None]  # the rings as point lists, or None when missing
    missing_polygon: str  # the detail when `rings` gives None
    geometry_key: str | None = None  # names the shape kind, when the format has several
    # what the format itself forbids in an object (checked first, after "is it a JSON object")
    problem: Callable[[dict], tuple[str, str] | None] | None = None
    # A bulk path for a file whose every object is clean: fills `out` and returns True, or returns
    # False with `out` untouched, and the objects are then checked one by one. Called once a file.
    accept_clean: Callable[[ParsedFile, list], bool] | None = None


def name_match(out: ParsedFile, file_name: str, pattern: re.Pattern, spelled: str) -> re.Match | None:
    """The file name's groups (city, seq, frame), or None after rejecting a name that does not
    follow the format's `pattern` (`spelled` for the reader)."""
    m = pattern.match(file_name)
    if not m:
        out.reject(reasons.BAD_FILE_NAME, f"'{file_name}' does not follow {spelled}")
    return m


def document(out: ParsedFile, data: bytes, problem: Callable[[object], str | None]) -> dict | None:
    """The file's JSON document, or None after rejecting a file that is no JSON or whose document
    has the format's `problem` (a missing or wrong field: its detail), or one too large to parse."""
    detail = too_large_to_parse(data)
    if detail:
        out.reject(reasons.TOO_LARGE, detail)
        return None
    doc, error = load_json(data)
    if error:
        out.reject(*error)
        return None
    detail = problem(doc)
    if detail:
        out.reject(reasons.MISSING_FIELD, detail)
        return None
    return doc


def set_image(out: ParsedFile, m: re.Match, split: str, city: str, width: int, height: int) -> None:
    out.image = {
        "image_id": f"{m['city']}_{m['seq']}_{m['frame']}",
        "split": split,
        "city": city,
        "sequence": int(m["seq"]),
        "frame": int(m["frame"]),
        "width": width,
        "height": height,
        "source_path": out.source_path,
    }


def finish_objects(
    out: ParsedFile, objects: list, fmt: ObjectFormat, classes: frozenset[str] | None, duplicate_of: str | None
) -> ParsedFile:
    if len(objects) > MAX_OBJECTS_PER_FILE:
        # a bomb of items, not of bytes: two million bare numbers fit in 4 MB, and as many reject
        # rows took a build to 1.5 GB. The file is refused whole, as a file too large is, unread.
        out.image = None
        out.reject(
            reasons.TOO_LARGE, f"{len(objects):,} objects, over the {MAX_OBJECTS_PER_FILE:,} an annotation file holds"
        )
        return out
    out.objects_read = len(objects)
    if duplicate_of:
        detail = f"image already read from {duplicate_of}"
        for order, obj in enumerate(objects):
            out.reject(reasons.DUPLICATE_IMAGE, detail, order, obj, fmt.label_key)
        out.image = None
        if not objects:  # an empty copy is still named, as a file-level reject
            out.reject(reasons.DUPLICATE_IMAGE, f"{detail} (this copy holds no object)")
        return out
    _accept_objects(out, objects, fmt, classes)
    out.image["n_objects"] = len(out.labels)
    out.image["n_rejected"] = len(out.rejects)
    return out


def load_json(data: bytes) -> tuple[object, tuple[str, str] | None]:
    """The document, or the file-level reject (reason, detail) that replaces it."""
    if not data.strip():
        return None, (reasons.MALFORMED_JSON, "empty file")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError:
        doc = None
    else:
        if not _may_hide_duplicate_keys(data, doc):
            return doc, None
        doc = None  # freed before the second reader builds its own
    # The standard library accepts what Python's own json wrote (NaN, a BOM) and says where it broke;
    # it also sees every key, so it tells a duplicated key (which orjson silently resolves).
    try:
        return json.loads(data.decode("utf-8-sig"), object_pairs_hook=_refuse_duplicate_keys), None
    except UnicodeDecodeError as exc:
        return None, (reasons.MALFORMED_JSON, f"not UTF-8 text: {exc}")
    except DuplicateKey as exc:
        return None, (reasons.DUPLICATE_KEY, str(exc))
    except json.JSONDecodeError as exc:
        return None, (reasons.MALFORMED_JSON, f"invalid JSON: {exc}")
    except RecursionError:
        return None, (reasons.MALFORMED_JSON, "nested too deep to be an annotation")
    except ValueError as exc:  # an integer of thousands of digits
        return None, (reasons.MALFORMED_JSON, f"invalid JSON: {exc}")


class DuplicateKey(ValueError):
    pass


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    doc = dict(pairs)
    if len(doc) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))
        raise DuplicateKey(f"key '{printable(key)}' appears twice in one object; a reader would keep only one")
    return doc


def _may_hide_duplicate_keys(data: bytes, doc) -> bool:
    """Whether orjson may have dropped a duplicated key: cheap, and never wrong when it says no.

    Every key of a JSON text spends one ':', and the other colons lie inside strings, so the text
    has at least as many colons as the document has keys, plus one per key dropped. Equal counts
    prove that nothing was dropped: first against the keys of the top two levels (an annotation's
    document and its objects, counted in microseconds), then against orjson's writing-back of the
    whole document, which keeps keys and strings as they were read (it never escapes a colon).
    An escape in the text could spell a colon (\\u003a), hence the backslash test.
    """
    if b"\\" in data:
        return True
    (colons,) = _count_bytes(data, b":")
    if colons == _keys_of_top_levels(doc):
        return False
    try:
        return _count_bytes(orjson.dumps(doc), b":") != [colons]
    except orjson.JSONEncodeError:  # nested deeper than orjson writes: the exact check decides
        return True


def _keys_of_top_levels(doc) -> int:
    """The keys of the document and of the objects directly in it, or in its lists (not deeper)."""
    if type(doc) is not dict:
        return 0
    keys = len(doc)
    for value in doc.values():
        if type(value) is dict:
            keys += len(value)
        elif type(value) is list:
            keys += sum(len(item) for item in value if type(item) is dict)
    return keys


def side_problem(key: str, value) -> str | None:
    if type(value) is not int or not 0 < value <= MAX_IMAGE_SIDE:
        shown = value if type(value) is int else printable(repr(value)[:80])
        return f"'{key}' is missing or not an integer from 1 to {MAX_IMAGE_SIDE} (got {shown})"
    return None


def object_problem(obj, fmt: ObjectFormat, classes: frozenset[str] | None) -> tuple[str, str] | None:
    if not isinstance(obj, dict):
        return reasons.BAD_OBJECT, f"object is a {type(obj).__name__}, not an object"
    problem = fmt.problem(obj) if fmt.problem else None
    if problem:
        return problem
    if obj.get("deleted"):
        return reasons.DELETED, "marked deleted by the labelling tool (cityscapesScripts skips it)"
    label = obj.get(fmt.label_key)
    if not isinstance(label, str):
        return reasons.MISSING_LABEL, f"no '{fmt.label_key}' string"
    if classes is not None and label not in classes:
        return reasons.CLASS_NOT_IN_META, f"class '{label}' is not declared in meta.json"
    if label not in LABELS:
        return reasons.UNKNOWN_LABEL, f"label '{label}' is not in the Cityscapes label table"
    geometry = obj.get(fmt.geometry_key, "polygon") if fmt.geometry_key else "polygon"
    if geometry != "polygon":
        return reasons.NOT_A_POLYGON, f"{fmt.geometry_key} {raw_json(geometry)[:80]}: only polygons are read"
    rings = fmt.rings(obj)
    if rings is None:
        return reasons.MISSING_POLYGON, fmt.missing_polygon
    if len(rings) - 1 > MAX_HOLES:
        return reasons.TOO_MANY_HOLES, f"{len(rings) - 1} holes; at most {MAX_HOLES} are stored"
    if len(rings[0]) < 3:
        return reasons.TOO_FEW_POINTS, f"{len(rings[0])} point(s); a polygon needs at least 3"
    for i, ring in enumerate(rings[1:]):
        if len(ring) < 3:
            return reasons.TOO_FEW_POINTS, f"hole {i} has {len(ring)} point(s); a ring needs at least 3"
    return None


def _vertices(rings: list[list]) -> np.ndarray | None:
    """All vertices of these rings as an (n, 2) int32 array, or None if any is not an [x, y] pair of
    integers within ±COORDINATE_LIMIT (booleans are not integers)."""
    if not rings:
        return np.empty((0, 2), np.int32)
    try:
        n_vertices = sum(map(len, rings))
    except TypeError:
        return None
    return integer_pairs(rings, n_vertices)


def _vertex_problem(polygon: list) -> str:
    for i, vertex in enumerate(polygon):
        shown = printable(raw_json(vertex)[:80])
        if not (isinstance(vertex, list) and len(vertex) == 2 and all(type(v) is int for v in vertex)):
            return f"vertex {i} is {shown}: coordinates must be [x, y] integer pairs"
        if not all(-COORDINATE_LIMIT <= v <= COORDINATE_LIMIT for v in vertex):
            return f"vertex {i} is {shown}: coordinate outside ±{COORDINATE_LIMIT}"
    return "coordinates are not [x, y] integer pairs"


def _accept_objects(out: ParsedFile, objects: list, fmt: ObjectFormat, classes: frozenset[str] | None) -> None:
    if fmt.accept_clean is not None and fmt.accept_clean(out, objects):
        return
    _accept_one_by_one(out, objects, fmt, classes)


def integer_pairs(polygons: list[list], n_vertices: int) -> np.ndarray | None:
    """All vertices as an (n, 2) int32 array, read in bulk; None if any is not an [x, y] integer pair
    within ±COORDINATE_LIMIT.

    orjson writes the lists back as text in microseconds, which numpy reads in C. The text is as
    strict as reading vertex by vertex: stripped of digits and minus signs, it must be exactly the
    skeleton of lists of [x, y] pairs (`[[[,],[,]],[[,],[,],[,]]]`), so every vertex is a list of two
    items, no item is a list, and anything but an integer leaves other characters (`.`, `e`, `"`,
    `{`, `null`, `true`); orjson writes only well-formed numbers, so each item is an integer.
    """
    if not n_vertices:
        return None
    try:
        text = orjson.dumps(polygons)
        skeleton = pairs_skeleton(list(map(len, polygons)))
    except TypeError:  # a ring without a length, or an integer beyond 64 bits (orjson's error is a TypeError)
        return None
    if text.translate(None, SIGNED_DIGITS) != skeleton:
        return None
    values = np.fromstring(text.translate(None, b"[]"), dtype=np.int64, sep=",")  # saturates beyond 64 bits
    if len(values) != 2 * n_vertices or values.min() < -COORDINATE_LIMIT or values.max() > COORDINATE_LIMIT:
        return None
    return values.astype(np.int32).reshape(-1, 2)


def pairs_skeleton(ring_lengths: list[int]) -> bytes:
    """orjson's text of rings of [x, y] pairs with these lengths, without its digits and minus signs."""
    if max(ring_lengths, default=0) <= SHORT_RING_VERTICES:
        rings = [_SHORT_RING_SKELETONS[length] for length in ring_lengths]
    else:
        rings = list(map(_ring_skeleton, ring_lengths))
    return b"[" + b",".join(rings) + b"]"


def _ring_skeleton(length: int) -> bytes:
    return b"[" + b"[,]," * (length - 1) + b"[,]]" if length else b"[]"


# Rings of up to this many vertices have their skeletons made once (0.5 MB in all): joining made
# ones took a quarter of the time of making each (0.012 against 0.054 s for 300,000 rings)
SHORT_RING_VERTICES = 512
_SHORT_RING_SKELETONS = [_ring_skeleton(length) for length in range(SHORT_RING_VERTICES + 1)]


def _accept_one_by_one(out: ParsedFile, objects: list, fmt: ObjectFormat, classes: frozenset[str] | None) -> None:
    kept: list[tuple[int, dict, list]] = []  # (draw order, object, its rings as point lists)
    for order, obj in enumerate(objects):
        problem = object_problem(obj, fmt, classes)
        if problem:
            out.reject(*problem, draw_order=order, obj=obj, label_key=fmt.label_key)
        else:
            kept.append((order, obj, fmt.rings(obj)))
    xy = _vertices(list(chain.from_iterable(rings for _, _, rings in kept)))
    if xy is None:  # slow path: find the objects with bad coordinates, one by one
        good = []
        for order, obj, rings in kept:
            if _vertices(rings) is None:
                problem = _vertex_problem(list(chain.from_iterable(rings)))
                out.reject(reasons.BAD_COORDINATES, problem, order, obj, fmt.label_key)
            else:
                good.append((order, obj, rings))
        kept = good
        xy = _vertices(list(chain.from_iterable(rings for _, _, rings in kept)))
        if xy is None:
            xy = np.empty((0, 2), np.int32)
    out.rejects.sort(key=lambda r: r["draw_order"])
    out.xy = xy
    start = 0
    for order, obj, rings in kept:
        given = [len(ring) for ring in rings]
        n = sum(given)
        label = obj[fmt.label_key]
        ring_lengths, frame_missing = rings_of(label, xy[start : start + n], given)
        out.draw_orders.append(order)
        out.labels.append(label)
        out.rings_per_object.append(len(ring_lengths))
        out.ring_lengths.extend(ring_lengths)
        out.roi_frame_missing.append(frame_missing)
        start += n


def rings_of(label: str, pts: np.ndarray, given: list[int]) -> tuple[list[int], bool]:
    """Ring lengths of one object, and whether an 'out of roi' lacks its frame.

    'out of roi' is a closed 5-point frame around the image, then the boundary of the region of
    interest, which Dataset Ninja reads as the hole: polygon[:5] exterior, polygon[5:] interior.
    gtFine gives it as one point list, which is cut here; Supervisely gives exterior and interior
    already apart, which are kept, and only a single list is cut the gtFine way.
    """
    n = len(pts)
    if label != OUT_OF_ROI:
        return given, False
    if len(given) > 1:
        return given, not (given[0] == 5 and _is_frame(pts[:5]))
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
