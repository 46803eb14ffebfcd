"""A gtFine polygon file read in bulk by simdjson, where that gives what the exact path gives: the
build's fast path, or None.

orjson turns every coordinate of a polygon file into a Python int and every vertex into a list,
and the vertices are then written back as text for numpy to read (parse.integer_pairs): over the
release's 7.3 million vertices, the largest cost of a build. simdjson parses the file into a tape
without making Python objects, hands each polygon's integers over as one buffer, and writes the
polygons back as compact JSON, whose brackets and commas prove their shape. On the full-scale
replica: reading and parsing the 5,000 files 0.34 s against orjson's 1.19 s (bench/jobs.py's two
floors, one run each), and the parse workers' batches 2.75 -> 2.19 s of CPU (both ways alternating,
batch by batch, in one process).

A file is read here only where this path can prove it gives what the exact path (parse.document,
then gtfine.accept_clean_objects or parse's object checks one by one) gives; otherwise read_clean
returns None and the exact path reads the file as before. So this path decides nothing: it gives
what the exact path gives, or nothing (tests/test_gtfine_clean.py compares both on every file of
the replica, the hostile corpora and generated files). What it takes:
- valid UTF-8 JSON without a backslash (an escape could spell anything: the exact path looks)
  and without a byte order mark (the exact path reads such a file with the standard library);
- an object of at most MAX_KEYS_LOOKED_UP keys, distinct, whose `imgWidth` and `imgHeight` are
  integers from 1 to MAX_IMAGE_SIDE, whose `objects` is a list of 1 to MAX_OBJECTS_PER_FILE
  objects, and whose other values hold no list or object (so no key hides deeper, where orjson
  would keep a duplicate's last value and simdjson its first);
- objects kept: at most MAX_KEYS_LOOKED_UP keys, distinct, a known `label` string and a `polygon`
  of at least 3 [x, y] integer pairs within ±COORDINATE_LIMIT, no truthy `deleted`, any other
  value neither list nor object; at least one in the file;
- objects not kept (deleted, a label or polygon missing or unknown, too few points): handed over
  as orjson reads them, for the exact path's own object checks to reject, if they have distinct
  keys, no object inside (then orjson, reading one alone, reads what it reads in the file) and
  a nesting orjson writes back.
"""

from __future__ import annotations

import operator
import threading
from dataclasses import dataclass

import numpy as np
import orjson
import simdjson

from ..labels import LABEL_NAMES
from ..parse import (
    COORDINATE_LIMIT,
    MAX_IMAGE_SIDE,
    MAX_OBJECTS_PER_FILE,
    SIGNED_DIGITS,
    pairs_skeleton,
    too_large_to_parse,
)
from .base import MAX_FILE_BYTES

COORDINATE_BYTES = 8  # as_buffer(of_type="i") gives int64s
# What simdjson raises on a text it refuses (malformed, too deep, a number beyond 64 bits, a string
# that is not UTF-8: UnicodeDecodeError is a ValueError), on a value of another type than asked,
# or on a key an object lacks
PARSE_ERRORS = (ValueError, RuntimeError, TypeError, KeyError, MemoryError)
_label = operator.itemgetter("label")
_polygon = operator.itemgetter("polygon")


@dataclass(frozen=True)
class CleanFile:
    width: int
    height: int
    objects_read: int
    draw_orders: list[int]  # the kept objects' places in the file's `objects`
    labels: list[str]
    polygon_lengths: list[int]  # vertices per kept object
    xy: np.ndarray  # every kept object's vertices in order, (n, 2) int32
    # the other objects, (draw order, the object as orjson reads it), for the exact path's object
    # checks (parse.object_problem) to reject: when one of them passes, the file is the exact path's
    unclean: list[tuple[int, dict]]


# A parser keeps the buffers it grew for the largest file it read: after a file of more than this,
# whose buffers could hold tens of MB (a 2.4 MB file of 1.2 million values kept 117 MB resident),
# the thread starts a new one. The release's files are below 1 MB.
KEPT_PARSER_BYTES = 2 * 1024 * 1024
BYTE_ORDER_MARK = b"\xef\xbb\xbf"


class _Parsers(threading.local):
    """One parser per thread: a parser reuses its buffers from file to file, and must not parse two
    files at once."""

    def __init__(self) -> None:
        self.parser = simdjson.Parser(max_capacity=MAX_FILE_BYTES)


_parsers = _Parsers()


def read_clean(data: bytes) -> CleanFile | None:
    """The file's image size, its objects kept and the others, if this path can read it (see the
    module), else None."""
    # a byte order mark: orjson refuses it, so the exact path reads the file with the standard
    # library, whose limit of nesting is not simdjson's (nor fixed: it depends on the stack)
    if b"\\" in data or data.startswith(BYTE_ORDER_MARK) or too_large_to_parse(data):
        return None
    try:
        doc = _parsers.parser.parse(data)
    except PARSE_ERRORS:
        return None
    try:
        return _clean_document(doc)
    except PARSE_ERRORS:
        return None
    finally:
        # the parser refuses the next file while an object of this one lives
        del doc
        if len(data) > KEPT_PARSER_BYTES:
            _parsers.parser = simdjson.Parser(max_capacity=MAX_FILE_BYTES)


def _clean_document(doc) -> CleanFile | None:
    if type(doc) is not simdjson.Object or not _scalars_besides(doc, "objects"):
        return None
    width, height, objects = doc.get("imgWidth"), doc.get("imgHeight"), doc.get("objects")
    if not (_is_side(width) and _is_side(height)):
        return None
    if type(objects) is not simdjson.Array or not 0 < len(objects) <= MAX_OBJECTS_PER_FILE:
        return None
    objects = list(objects)
    if set(map(type, objects)) != {simdjson.Object}:
        return None
    kept = _kept(objects)  # all of them, checked in bulk: almost every file
    if kept is not None:
        draw_orders, (labels, polygons), unclean = list(range(len(objects))), kept, []
    else:
        split = _kept_one_by_one(objects)
        if split is None:
            return None
        draw_orders, labels, polygons, unclean = split
    lengths = list(map(len, polygons))
    if not _pairs_of_integers(polygons, lengths):
        return None
    coordinates = b"".join([polygon.as_buffer(of_type="i") for polygon in polygons])
    if len(coordinates) != 2 * COORDINATE_BYTES * sum(lengths):
        return None
    values = np.frombuffer(coordinates, np.int64)
    if values.min() < -COORDINATE_LIMIT or values.max() > COORDINATE_LIMIT:
        return None
    xy = values.astype(np.int32).reshape(-1, 2)
    return CleanFile(width, height, len(objects), draw_orders, labels, lengths, xy, unclean)


def _kept(objects: list) -> tuple[list[str], list] | None:
    """The labels and polygons of these objects if the exact path keeps every one (their
    coordinates aside: _pairs_of_integers), else None."""
    try:
        # an object of two keys, both found, has exactly `label` and `polygon`, once each; any other
        # has every key looked at (the labelling tool's `deleted`, `date`, ... beside them)
        for obj, keys in zip(objects, map(len, objects), strict=True):
            if keys != 2 and (not _scalars_besides(obj, "polygon") or obj.get("deleted")):
                return None
        labels, polygons = list(map(_label, objects)), list(map(_polygon, objects))
    except KeyError:
        return None
    if set(map(type, labels)) != {str} or not LABEL_NAMES.issuperset(labels):
        return None
    if set(map(type, polygons)) != {simdjson.Array} or min(map(len, polygons)) < 3:
        return None
    return labels, polygons


def _kept_one_by_one(objects: list) -> tuple[list[int], list[str], list, list[tuple[int, dict]]] | None:
    """The draw orders, labels and polygons of the objects kept, and the others as orjson reads
    them; None if one of those cannot be read alone as in the file, or if none is kept."""
    draw_orders, labels, polygons, unclean = [], [], [], []
    for order, obj in enumerate(objects):
        kept = _kept([obj])
        if kept is not None:
            draw_orders.append(order)
            labels += kept[0]
            polygons += kept[1]
            continue
        value = _as_orjson_reads_it(obj)
        if value is None:
            return None
        unclean.append((order, value))
    return (draw_orders, labels, polygons, unclean) if labels else None


def _as_orjson_reads_it(obj) -> dict | None:
    """The object as orjson reads it within the whole file, where reading its compact text alone
    gives the same: no object inside it (so no key deeper than its own, whose duplicate orjson
    would drop) and its own keys distinct. None otherwise, and for an object nested deeper than
    orjson writes back: the exact path's duplicate-key check writes the document back, and where it
    cannot, reads it with the standard library, which refuses nesting simdjson reads."""
    text = obj.mini
    keys = list(obj.keys())
    if text.count(b"{") != 1 or len(set(keys)) != len(keys):
        return None
    try:
        value = orjson.loads(text)
        orjson.dumps(value)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return None
    return value


def _is_side(value) -> bool:
    return type(value) is int and 0 < value <= MAX_IMAGE_SIDE


# simdjson finds a key by reading the object from its start, so looking up each of an object's
# values by its key takes time growing with the square of their number (40,000 keys: 1.8 s a file,
# found by an adversarial review); its items() would make Python values of them all, polygons
# included. The labelling tool's objects have 7 keys; an object of more is the exact path's.
MAX_KEYS_LOOKED_UP = 16


def _scalars_besides(obj, key: str) -> bool:
    """Whether the object has at most MAX_KEYS_LOOKED_UP keys, all distinct, and every value but
    `key`'s is neither list nor object."""
    if len(obj) > MAX_KEYS_LOOKED_UP:
        return False
    keys = list(obj.keys())
    if len(set(keys)) != len(keys):
        return False
    return all(type(obj[k]) not in (simdjson.Array, simdjson.Object) for k in keys if k != key)


def _pairs_of_integers(polygons: list, lengths: list[int]) -> bool:
    """Whether every polygon is a list of [x, y] pairs of numbers: simdjson's compact text of them,
    stripped of digits and minus signs, is exactly the skeleton of such pairs (parse.pairs_skeleton).
    That each number is an integer of 64 bits, as_buffer checks."""
    text = b"[" + b",".join([polygon.mini for polygon in polygons]) + b"]"
    return text.translate(None, SIGNED_DIGITS) == pairs_skeleton(lengths)
