"""The official gtFine release: the extracted folder, the folder holding it, or the zip read in place;
and its polygon file, read (parse_gtfine) and written (file_text).

Layout: gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_polygons.json. The polygon files are
parsed; the label PNGs beside them (`_gtFine_labelIds.png`, `_gtFine_instanceIds.png`), drawn from
the polygons, are only offered to the pixel stage's comparison (`label_pngs`), never parsed here.
A polygon file is {"imgHeight", "imgWidth", "objects": [{"label", "polygon": [[x, y], ...]}]}:
one point list per object ('out of roi' lists its frame, then its hole; see parse.rings_of).
"""

from __future__ import annotations

import json
import operator
import os
import re
import stat
import zipfile
from collections.abc import Callable, Iterator
from functools import lru_cache, partial
from itertools import accumulate
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np

from .. import reasons
from ..labels import LABEL_NAMES
from ..parse import (
    OUT_OF_ROI,
    ObjectFormat,
    ParsedFile,
    document,
    finish_objects,
    integer_pairs,
    name_match,
    object_problem,
    rings_of,
    set_image,
    side_problem,
)
from ..published import SPLITS
from .base import (
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    FileProblem,
    SourceError,
    SourceFile,
    is_annotation_name,
    marked_synthetic,
    no_annotation_error,
    read_regular_file,
    walk_files,
)
from .gtfine_clean import read_clean
from .zipentry import entry_problem, read_zip_entry

FILE_NAME = re.compile(r"^(?P<city>[a-z]+(?:_[a-z]+)*)_(?P<seq>\d{6})_(?P<frame>\d{6})_gtFine_polygons\.json$")
LOOKED_FOR = "gtFine polygon files ({city}_{seq}_{frame}_gtFine_polygons.json, any *.json)"
POLYGON_SUFFIX = "_gtFine_polygons.json"
LABEL_PNG_KINDS = ("labelIds", "instanceIds")
# zipfile reads a zip's whole central directory into memory before any entry is read, and each
# entry then costs about 2 KB in the build (its ZipInfo, its record, its reject): a 42 MB zip of
# 300,000 empty entries (a 29 MB directory) took 620 MB and half a minute. The release's
# gtFine_trainvaltest.zip lists its 20,000 files (4 per image) in about 2 MB: 4 times that is
# refused before it is read (at most about 180,000 entries of the shortest names, some 360 MB).
MAX_DIRECTORY_BYTES = 8 * 1024 * 1024


def polygon_file_path(split: str, city: str, stem: str) -> str:
    """Where the release keeps the polygon file of image `stem` ({city}_{seq}_{frame})."""
    return f"gtFine/{split}/{city}/{stem}{POLYGON_SUFFIX}"


def label_image_path(split: str, city: str, stem: str, kind: str) -> str:
    """Where the release keeps an image's label PNG; `kind` is one of LABEL_PNG_KINDS."""
    return f"gtFine/{split}/{city}/{stem}_gtFine_{kind}.png"


def _place(rel: str) -> tuple[str, str, tuple[str, str] | None]:
    """Split and city from a path relative to the gtFine root (forward slashes), or the reason it
    does not fit."""
    parts = rel.split("/")
    if len(parts) != 3:
        return "", "", (reasons.BAD_PATH, f"expected gtFine/{{split}}/{{city}}/{{file}}, got gtFine/{rel}")
    split, city, _ = parts
    if split not in SPLITS:
        return split, city, (reasons.BAD_PATH, f"split folder '{split}' is not one of {', '.join(SPLITS)}")
    return split, city, None


class GtFineFolder:
    """The gtFine folder, or one split or city folder inside it (`under`), read file by file.

    Links to folders are followed (users link cities in), each folder once, so a link back up
    cannot loop. Names are matched case-insensitively: a `.JSON` file is read, not skipped.
    """

    kind = "gtfine-folder"

    def __init__(self, root: Path, under: Path | None = None):
        self.root = root  # the gtFine folder itself
        self.location = str(under or root)
        self.synthetic = marked_synthetic(root.parent)
        found = list(walk_files(under or root))
        # (the path relative to root with forward slashes, the path, its error), sorted by the first
        listed = [
            (_relative(path, root), path, error) for path, error in found if error or is_annotation_name(path.name)
        ]
        self._found = sorted(listed, key=operator.itemgetter(0))
        if not self._found:
            raise no_annotation_error(under or root, LOOKED_FOR, [path for path, _ in found])

    def names(self) -> list[str]:
        return [rel.rpartition("/")[2] for rel, _, _ in self._found]

    def label_pngs(self) -> dict[str, dict[str, Callable[[], bytes]]]:
        """Readers of the label PNGs beside each polygon file, by the file's source_path."""
        found: dict[str, dict[str, Callable[[], bytes]]] = {}
        for rel, path, error in self._found:
            if error:
                continue
            pngs = {kind: path.with_name(name) for kind, name in _png_names(path.name).items()}
            readers = {kind: partial(read_regular_file, png) for kind, png in pngs.items() if png.is_file()}
            if readers:
                found[f"gtFine/{rel}"] = readers
        return found

    def files(self) -> Iterator[SourceFile]:
        for rel, path, error in self._found:
            source_path = f"gtFine/{rel}"
            name = rel.rpartition("/")[2]
            if error:
                problem = (reasons.UNREADABLE, f"the folder could not be listed: {error.strerror or error}")
                yield SourceFile(source_path, "", "", name, None, problem)
                continue
            split, city, problem = _place(rel)
            # the path as text: a worker unpickles a string where it parsed a Path again (the batches'
            # readers: 0.03 to 0.06 s of CPU, now 0.01 to 0.03 s)
            yield SourceFile(
                source_path, split, city, name, None, problem, reader=partial(read_regular_file, str(path))
            )


def _relative(path: Path, root: Path) -> str:
    """`path` relative to `root`, with forward slashes. Every path walked from `root` starts with its
    text, and is cut by it: with Path.relative_to, listing and batching the release's 5,000 files took
    0.10 s of the main process's CPU instead of 0.05 s (three runs each, one process)."""
    text, start = str(path), os.path.join(str(root), "")
    if text.startswith(start):
        return text[len(start) :].replace(os.sep, "/")
    return path.relative_to(root).as_posix()


class GtFineZip:
    kind = "gtfine-zip"

    def __init__(self, path: Path):
        self.location = str(path)
        self._path = str(path.resolve())
        self.synthetic = marked_synthetic(path.parent)
        try:
            _check_directory_size(path)
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise SourceError(f"{path}: not a readable zip archive ({exc}); is the download complete?") from exc
        # Zips made on Windows may separate folders with backslashes: the names are read as paths.
        named = [(_name(info), info) for info in infos if not info.is_dir()]
        # every PNG, those it will not read too: comparing one of them says "unreadable", as in a folder
        self._pngs = {name: i for name, i in named if name.endswith(".png")}
        self._entries = sorted(
            ((name, info) for name, info in named if is_annotation_name(name) and _under_gtfine(name)),
            key=lambda entry: entry[0],
        )
        if not self._entries:
            raise no_annotation_error(path, f"{LOOKED_FOR} under gtFine/", [PurePosixPath(n) for n, _ in named])

    def names(self) -> list[str]:
        return [PurePosixPath(name).name for name, _ in self._entries]

    def label_pngs(self) -> dict[str, dict[str, Callable[[], bytes]]]:
        """Readers of the label PNGs beside each polygon file, by the file's source_path."""
        found: dict[str, dict[str, Callable[[], bytes]]] = {}
        for name, _ in self._entries:
            folder, _, file_name = name.rpartition("/")
            pngs = {kind: self._pngs.get(f"{folder}/{png}") for kind, png in _png_names(file_name).items()}
            readers = {kind: partial(_read_png_entry, self._path, png) for kind, png in pngs.items() if png}
            if readers:
                found[name] = readers
        return found

    def files(self) -> Iterator[SourceFile]:
        for name, info in self._entries:
            rel = PurePosixPath(name.split("gtFine/", 1)[1])  # as the folder's: "a//b" is a/b
            split, city, problem = _place(str(rel))
            problem = _unsafe(name, info) or problem
            reader = partial(read_zip_entry, self._path, info)
            yield SourceFile(name, split, city, rel.name, None, problem, reader=reader)


def _check_directory_size(path: Path) -> None:
    """SourceError for a zip whose central directory is over MAX_DIRECTORY_BYTES, before zipfile reads it.

    The size comes from the end record zipfile itself trusts (it reads exactly that many bytes),
    so an archive cannot claim a small directory and make zipfile hold a large one.
    """
    with path.open("rb") as file:
        end = zipfile._EndRecData(file)  # noqa: SLF001 -- zipfile's own reader of the end record; no public one
    size = 0 if end is None else end[zipfile._ECD_SIZE]  # noqa: SLF001 (None: no zip, which ZipFile says)
    if size > MAX_DIRECTORY_BYTES:
        raise SourceError(
            f"{path}: a central directory of {size} bytes, over the {MAX_DIRECTORY_BYTES} "
            "a zip of this dataset needs (the release lists its 20,000 files in about 2 MB); not read"
        )


def _png_names(polygon_file: str) -> dict[str, str]:
    stem = polygon_file.removesuffix(POLYGON_SUFFIX)
    return {kind: f"{stem}_gtFine_{kind}.png" for kind in LABEL_PNG_KINDS} if stem != polygon_file else {}


def _name(info: zipfile.ZipInfo) -> str:
    return info.filename.replace("\\", "/")


def _under_gtfine(name: str) -> bool:
    return name.startswith("gtFine/") or "/gtFine/" in name


def _read_png_entry(archive: str, info: zipfile.ZipInfo) -> bytes:
    """A label PNG's bytes, refused (FileProblem) as a polygon file's entry would be."""
    problem = _unsafe(_name(info), info)
    if problem:
        raise FileProblem(*problem)
    return read_zip_entry(archive, info)


def _unsafe(name: str, info: zipfile.ZipInfo) -> tuple[str, str] | None:
    parts = PurePosixPath(name).parts
    if name.startswith("/") or ".." in parts or ":" in parts[0]:
        return (reasons.UNSAFE_PATH, f"archive path '{info.filename}' escapes the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        return (reasons.UNSAFE_PATH, f"archive entry '{name}' is a symbolic link")
    problem = entry_problem(info)
    if problem:
        return problem
    if info.file_size > MAX_FILE_BYTES:
        return (reasons.TOO_LARGE, f"{info.file_size} bytes uncompressed, over the {MAX_FILE_BYTES} byte limit")
    if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
        return (
            reasons.TOO_LARGE,
            f"{info.file_size} bytes from {info.compress_size} compressed: "
            f"a ratio over {MAX_COMPRESSION_RATIO}:1 is a zip bomb, not an annotation",
        )
    return None


# Reading one polygon file.


def parse_gtfine(src: SourceFile, duplicate_of: str | None = None) -> ParsedFile:
    """One polygon file (read, without a file-level problem) -> its image, objects and rejects."""
    out = ParsedFile(src.source_path)
    m = name_match(out, src.file_name, FILE_NAME, "{city}_{seq}_{frame}_gtFine_polygons.json")
    if not m:
        return out
    if m["city"] != src.city:
        out.reject(reasons.CITY_MISMATCH, f"file of city '{m['city']}' lies in the folder of city '{src.city}'")
        return out
    clean = read_clean(src.data) if duplicate_of is None else None
    problems = [object_problem(obj, OBJECTS, None) for _, obj in clean.unclean] if clean else []
    if clean is not None and all(problems):  # the fast path: what the exact one below would give
        set_image(out, m, src.split, src.city, clean.width, clean.height)
        out.objects_read = clean.objects_read
        for (order, obj), problem in zip(clean.unclean, problems, strict=True):
            out.reject(*problem, draw_order=order, obj=obj, label_key=OBJECTS.label_key)
        _accept_clean(out, clean.labels, clean.polygon_lengths, clean.xy, clean.draw_orders)
        out.image["n_objects"], out.image["n_rejected"] = len(out.labels), len(out.rejects)
        return out
    doc = document(out, src.data, _size_problem)
    if doc is None:
        return out
    set_image(out, m, src.split, src.city, doc["imgWidth"], doc["imgHeight"])
    return finish_objects(out, doc["objects"], OBJECTS, None, duplicate_of)


def _size_problem(doc) -> str | None:
    if not isinstance(doc, dict):
        return f"top level is a {type(doc).__name__}, not an object"
    for key in ("imgWidth", "imgHeight"):
        problem = side_problem(key, doc.get(key))
        if problem:
            return problem
    if not isinstance(doc.get("objects"), list):
        return "'objects' is missing or not a list"
    return None


def _rings(obj: dict) -> list | None:
    polygon = obj.get("polygon")
    return [polygon] if isinstance(polygon, list) else None


_label = operator.itemgetter("label")
_polygon = operator.itemgetter("polygon")
_deleted = operator.methodcaller("get", "deleted")


def accept_clean_objects(out: ParsedFile, objects: list) -> bool:
    """Accept a file whose every object is clean, in bulk: a handful of C-level passes per file.

    Almost every file is clean, and checking its objects one by one in Python cost more than
    parsing the JSON. Returns False, with `out` untouched, as soon as anything would be rejected;
    the one-by-one path then finds and names it. Both paths give identical records (tested).
    """
    if not objects:
        return False
    try:
        labels = list(map(_label, objects))
        polygons = list(map(_polygon, objects))
        if any(map(_deleted, objects)) or not LABEL_NAMES.issuperset(labels):
            return False
    except (KeyError, TypeError):  # an object that is not a dict, lacks a key, or has an unhashable label
        return False
    if set(map(type, polygons)) != {list}:
        return False
    lengths = list(map(len, polygons))
    if min(lengths) < 3:
        return False
    xy = integer_pairs(polygons, sum(lengths))
    if xy is None:
        return False
    _accept_clean(out, labels, lengths, xy, list(range(len(labels))))
    return True


def _accept_clean(
    out: ParsedFile, labels: list[str], lengths: list[int], xy: np.ndarray, draw_orders: list[int]
) -> None:
    """Fill `out` with clean objects: one ring each, but 'out of roi', cut into its frame and hole."""
    out.xy = xy
    out.draw_orders = draw_orders
    out.labels = labels
    out.rings_per_object = [1] * len(labels)
    out.roi_frame_missing = [False] * len(labels)
    out.ring_lengths = lengths
    roi = [i for i, label in enumerate(labels) if label == OUT_OF_ROI]
    if roi:
        bounds = list(accumulate(lengths, initial=0))
        for i in reversed(roi):  # from the end, so that cutting a ring in two shifts no index still to come
            rings, out.roi_frame_missing[i] = rings_of(OUT_OF_ROI, xy[bounds[i] : bounds[i + 1]], [lengths[i]])
            out.rings_per_object[i] = len(rings)
            out.ring_lengths[i : i + 1] = rings


OBJECTS = ObjectFormat("label", _rings, "no 'polygon' list", accept_clean=accept_clean_objects)


# Writing one polygon file, byte for byte as the release spells it (the replica and the gtFine
# export). The files were written by Python 2's `json.dump(obj, indent=4)`: one number per line
# and ", " as item separator, so lines end in a space. Python 3 writes the same text with
# `json.dumps(obj, indent=4, separators=(", ", ": "))`, but its indenting encoder is pure Python and
# far too slow for millions of vertices, so polygons are formatted from a cached template.

_VERTEX = "                [\n                    %d, \n                    %d\n                ]"
_FIELD_INDENT = "            "
_OBJECT_INDENT = "        "


@lru_cache(maxsize=4096)
def _polygon_template(vertices: int) -> str:
    return "[\n" + ", \n".join([_VERTEX] * vertices) + "\n" + _FIELD_INDENT + "]"


def _polygon_text(polygon: np.ndarray) -> str:
    if len(polygon) == 0:
        return "[]"
    return _polygon_template(len(polygon)) % tuple(polygon.ravel().tolist())


def object_text(label: str, polygon: np.ndarray, tool_keys: dict[str, Any] | None) -> str:
    """One object of a polygon file, indented as in the file's `objects` list."""
    fields = {"label": json.dumps(label), "polygon": _polygon_text(polygon)}
    if tool_keys:
        fields.update({key: json.dumps(value) for key, value in tool_keys.items()})
    # The labelling tool wrote its keys sorted.
    lines = [f'{_FIELD_INDENT}"{key}": {fields[key]}' for key in sorted(fields)]
    return _OBJECT_INDENT + "{\n" + ", \n".join(lines) + "\n" + _OBJECT_INDENT + "}"


def raw_object_text(obj: object) -> str:
    """Any JSON value (a rejected object, kept as it was) as an item of the `objects` list."""
    text = json.dumps(obj, indent=4, separators=(", ", ": "))
    return "\n".join(_OBJECT_INDENT + line for line in text.split("\n"))


def file_text(object_texts: list[str], width: int, height: int) -> str:
    """A whole polygon file around its objects' texts, as Python 2 json.dump wrote it."""
    header = f'{{\n    "imgHeight": {height}, \n    "imgWidth": {width}, \n    "objects": '
    if not object_texts:
        return header + "[]\n}"
    return header + "[\n" + ", \n".join(object_texts) + "\n    ]\n}"
