"""The Dataset Ninja / Supervisely project: a folder holding meta.json, or the same packed as a .tar;
and its annotation file, read (parse_supervisely) and written (annotation_text, meta_text).

Layout: meta.json, then one folder per dataset with ann/ (and usually img/); the annotation of
img/aachen_000000_000019_leftImg8bit.png is ann/aachen_000000_000019_leftImg8bit.png.json.
Dataset Ninja names the datasets after the splits (train/, val/, test/); other converters name them
after the cities, and then the split is the city's published split. The tar is read in place.
"""

from __future__ import annotations

import re
import stat
import tarfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import chain
from pathlib import Path, PurePosixPath

import orjson

from .. import reasons
from ..parse import ObjectFormat, ParsedFile, document, finish_objects, name_match, set_image, side_problem
from ..published import CITY_FIGURES, SPLITS
from .base import (
    MAX_FILE_BYTES,
    SYNTHETIC_MARKERS,
    FileProblem,
    SourceError,
    SourceFile,
    is_annotation_name,
    marked_synthetic,
    no_annotation_error,
    read_regular_file,
    size_problem,
    walk_files,
)

META_FILE = "meta.json"
# Supervisely names an annotation after its image: aachen_000000_000019_leftImg8bit.png.json
FILE_NAME = re.compile(
    r"^(?P<city>[a-z]+(?:_[a-z]+)*)_(?P<seq>\d{6})_(?P<frame>\d{6})_leftImg8bit\.(?:png|jpg|jpeg)\.json$"
)
LOOKED_FOR = "Supervisely annotations ({dataset}/ann/*.json) or images ({dataset}/img/*)"
# Every member of a tar is listed before any is read, at about 1 KB of memory each, and gzip packs
# an empty member into a few bytes: a 1 MB archive of 200,000 members took 330 MB. The release is
# 5,000 annotations and their 5,000 images; this is 25 times that, about 250 MB listed at most.
MAX_ARCHIVE_MEMBERS = 250_000


def read_meta(data: bytes, where: str) -> frozenset[str]:
    """The class titles meta.json declares; SourceError when it is missing parts or contradicts itself."""
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"{where}: meta.json is over {MAX_FILE_BYTES} bytes; not a class list")
    try:
        meta = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SourceError(f"{where}: meta.json is not valid JSON ({exc})") from exc
    if not isinstance(meta, dict) or not isinstance(meta.get("classes"), list):
        raise SourceError(f"{where}: meta.json has no 'classes' list")
    titles: list[str] = []
    for i, cls in enumerate(meta["classes"]):
        if not isinstance(cls, dict) or not isinstance(cls.get("title"), str):
            raise SourceError(f"{where}: meta.json class {i} has no 'title' string")
        if cls["title"] in titles:
            raise SourceError(f"{where}: meta.json declares class '{cls['title']}' twice")
        titles.append(cls["title"])
    tags = meta.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, dict) and isinstance(t.get("name"), str) for t in tags):
        raise SourceError(f"{where}: meta.json 'tags' is not a list of tags with a 'name'")
    return frozenset(titles)


def read_regular_meta(path: Path) -> bytes:
    try:
        return read_regular_file(path)
    except FileProblem as exc:
        raise SourceError(f"{path}: meta.json cannot be read: {exc.detail}") from exc


def dataset_place(dataset: str) -> tuple[str, str, tuple[str, str] | None]:
    """(split, city, problem) of a dataset folder: a split, or a city whose split was published."""
    if dataset in SPLITS:
        return dataset, "", None
    if dataset in CITY_FIGURES:
        return CITY_FIGURES[dataset].split, dataset, None
    return (
        "",
        "",
        (
            reasons.BAD_PATH,
            f"dataset folder '{dataset}' is neither a split ({', '.join(SPLITS)}) nor a Cityscapes city",
        ),
    )


@dataclass(frozen=True)
class _Entry:
    """One file of the project to yield: an annotation, or an image that has none."""

    rel: str  # inside the project, e.g. train/ann/x.png.json
    dataset: str
    file_name: str
    missing_annotation: bool = False
    misplaced: bool = False  # an annotation in a folder below ann/: read as a bad_path reject


def plan_entries(rel_paths: list[str]) -> list[_Entry]:
    """The annotations under {dataset}/ann/, and the images under {dataset}/img/ that lack one.

    A path given twice (a tar may hold a member twice) gives two entries: the second copy is
    rejected when parsed, never dropped here.
    """
    present = {rel.lower() for rel in rel_paths}
    entries = []
    for rel in sorted(rel_paths):
        parts = rel.split("/")
        if len(parts) > 3 and parts[1] == "ann" and is_annotation_name(parts[-1]):
            entries.append(_Entry(rel, parts[0], parts[-1], misplaced=True))
        if len(parts) != 3:
            continue
        dataset, folder, name = parts
        if folder == "ann" and is_annotation_name(name):
            entries.append(_Entry(rel, dataset, name))
        elif folder == "img" and f"{dataset}/ann/{name}.json".lower() not in present:
            entries.append(_Entry(rel, dataset, f"{name}.json", missing_annotation=True))
    return entries


def _source_file(
    entry: _Entry,
    source_path: str,
    classes: frozenset[str],
    read: Callable[[], bytes],
    problem: tuple[str, str] | None,
) -> SourceFile:
    """The file's record; `read` runs later, when the file is parsed (or batched: `reads_in_place`)."""
    split, city, place_problem = dataset_place(entry.dataset)
    if entry.missing_annotation:
        problem = problem or (
            reasons.MISSING_ANNOTATION,
            f"image without annotation: no {entry.dataset}/ann/{entry.file_name}",
        )
    if entry.misplaced:
        problem = problem or (reasons.BAD_PATH, f"expected {{dataset}}/ann/{{file}}, got {entry.rel}")
    problem = problem or place_problem
    return SourceFile(source_path, split, city, entry.file_name, None, problem, "supervisely", classes, read)


class SuperviselyFolder:
    """The project folder, or one dataset folder inside it (`dataset`)."""

    kind = "supervisely-folder"

    def __init__(self, root: Path, dataset: str | None = None):
        self.root = root
        self.location = str(root / dataset if dataset else root)
        meta = root / META_FILE
        if not meta.is_file():
            raise SourceError(f"{root}: a Supervisely project needs its meta.json (the class list); none found")
        self.classes = read_meta(read_regular_meta(meta), str(root))
        self.synthetic = marked_synthetic(root)
        pattern = dataset or "*"
        # ann/ is walked, not globbed: a file in a folder below it is a reject, not skipped unseen
        annotations = [path for ann in root.glob(f"{pattern}/ann") for path, error in walk_files(ann) if not error]
        paths = [*annotations, *root.glob(f"{pattern}/img/*")]
        self._entries = plan_entries([p.relative_to(root).as_posix() for p in paths])
        if not self._entries:
            raise no_annotation_error(Path(self.location), LOOKED_FOR, paths)

    def names(self) -> list[str]:
        return [entry.file_name for entry in self._entries]

    def files(self) -> Iterator[SourceFile]:
        for entry in self._entries:
            yield _source_file(entry, entry.rel, self.classes, partial(read_regular_file, self.root / entry.rel), None)


class SuperviselyTar:
    kind = "supervisely-tar"
    # A compressed tar is one stream: its members are read here, in archive order, as the batches
    # are cut (batches.py), never all at once, so memory holds a few batches' bytes.
    reads_in_place = True

    def __init__(self, path: Path):
        self.location = str(path)
        try:
            # kept open while files() streams the members, like the gtFine zip
            self._tar = tarfile.open(path, "r:*")  # noqa: SIM115
            members = _members(self._tar, path)
        except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
            raise SourceError(f"{path}: not a readable tar archive ({exc}); is the download complete?") from exc
        self._prefix = _project_prefix(members, path)
        meta = self._tar.getmember(self._prefix + META_FILE)
        if not meta.isfile():
            raise SourceError(f"{path}: {meta.name} is a link or a special file, not meta.json")
        if meta.size > MAX_FILE_BYTES:
            raise SourceError(f"{path}: {meta.name} is over {MAX_FILE_BYTES} bytes; not a class list")
        self.classes = read_meta(self._tar.extractfile(meta).read(), str(path))
        names = {m.name for m in members}
        self.synthetic = marked_synthetic(path.parent) or any(
            self._prefix + name in names for name in SYNTHETIC_MARKERS
        )
        # A member present twice is kept twice (in archive order), so its second copy is rejected, not lost.
        self._members: dict[str, list[tarfile.TarInfo]] = {}
        for m in members:
            if m.name.startswith(self._prefix) and not m.isdir() and not _escapes(m.name):
                self._members.setdefault(m.name[len(self._prefix) :], []).append(m)
        self._entries = plan_entries([rel for rel, copies in self._members.items() for _ in copies])
        # Members that would land outside the archive are reported, never read.
        self._escaping = sorted(
            (m for m in members if _escapes(m.name) and is_annotation_name(m.name)), key=lambda m: m.name
        )
        if not self._entries and not self._escaping:
            raise no_annotation_error(path, LOOKED_FOR, [PurePosixPath(m.name) for m in members if m.isfile()])

    def names(self) -> list[str]:
        return [PurePosixPath(m.name).name for m in self._escaping] + [entry.file_name for entry in self._entries]

    def files(self) -> Iterator[SourceFile]:
        for member in self._escaping:
            problem = (reasons.UNSAFE_PATH, f"archive path '{member.name}' escapes the archive")
            yield SourceFile(member.name, "", "", PurePosixPath(member.name).name, None, problem, "supervisely")
        copies = {rel: list(members) for rel, members in self._members.items()}
        for entry in self._entries:
            member = copies[entry.rel].pop(0)
            read = partial(self._read, member)
            yield _source_file(entry, member.name, self.classes, read, _unsafe(member))

    def _read(self, member: tarfile.TarInfo) -> bytes:
        try:
            return self._tar.extractfile(member).read(MAX_FILE_BYTES + 1)
        except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
            raise FileProblem(reasons.UNREADABLE, f"{type(exc).__name__}: {exc}") from exc


def _members(tar: tarfile.TarFile, path: Path) -> list[tarfile.TarInfo]:
    """The archive's members, listed one by one up to MAX_ARCHIVE_MEMBERS (getmembers has no bound)."""
    members = []
    for member in tar:
        if len(members) == MAX_ARCHIVE_MEMBERS:
            tar.close()
            raise SourceError(
                f"{path}: more than {MAX_ARCHIVE_MEMBERS} members, more than a Supervisely project of "
                f"this dataset holds (the release: 5,000 annotations and their images); not read"
            )
        members.append(member)
    return members


def _project_prefix(members: list[tarfile.TarInfo], path: Path) -> str:
    """'' or 'folder/': where meta.json lies, at the top of the archive or one folder down."""
    metas = sorted(
        (
            m.name
            for m in members
            if PurePosixPath(m.name).name == META_FILE
            and len(PurePosixPath(m.name).parts) <= 2
            and not _escapes(m.name)
        ),
        key=lambda name: (name.count("/"), name),
    )
    if not metas:
        raise SourceError(f"{path}: the archive holds no Supervisely meta.json at its top or one folder down")
    return metas[0][: -len(META_FILE)]


def _escapes(name: str) -> bool:
    return name.startswith("/") or "\\" in name or ".." in PurePosixPath(name).parts


def _unsafe(member: tarfile.TarInfo) -> tuple[str, str] | None:
    if member.issym() or member.islnk():
        return (reasons.UNSAFE_PATH, f"archive entry '{member.name}' is a link")
    if not member.isfile() or stat.S_ISLNK(member.mode):
        return (reasons.UNSAFE_PATH, f"archive entry '{member.name}' is not a regular file")
    return size_problem(member.size)


# Reading one annotation file.


def parse_supervisely(src: SourceFile, duplicate_of: str | None = None) -> ParsedFile:
    """One annotation file (read, without a file-level problem) -> its image, objects and rejects."""
    out = ParsedFile(src.source_path)
    m = name_match(out, src.file_name, FILE_NAME, "{city}_{seq}_{frame}_leftImg8bit.png.json")
    if not m:
        return out
    doc = document(out, src.data, _doc_problem)
    if doc is None:
        return out
    city, problem = _city(doc, m["city"], src.city)
    if problem:
        out.reject(reasons.CITY_MISMATCH, problem)
        return out
    set_image(out, m, src.split, city, doc["size"]["width"], doc["size"]["height"])
    return finish_objects(out, doc["objects"], OBJECTS, src.classes, duplicate_of)


def _doc_problem(doc) -> str | None:
    if not isinstance(doc, dict):
        return f"top level is a {type(doc).__name__}, not an object"
    size = doc.get("size")
    if not isinstance(size, dict):
        return "'size' is missing or not an object"
    for key in ("width", "height"):
        problem = side_problem(f"size.{key}", size.get(key))
        if problem:
            return problem
    if not isinstance(doc.get("objects"), list):
        return "'objects' is missing or not a list"
    if not isinstance(doc.get("tags", []), list):
        return "'tags' is not a list"
    return None


def _city(doc: dict, name_city: str, folder_city: str) -> tuple[str, str | None]:
    """The city from the image's city tag, else from its name; both must agree with the name and folder."""
    names = {t.get("name") for t in doc.get("tags", []) if isinstance(t, dict) and isinstance(t.get("name"), str)}
    tagged = sorted(names & CITY_FIGURES.keys())
    if len(tagged) > 1:
        return "", f"the image is tagged with several cities: {', '.join(tagged)}"
    city = tagged[0] if tagged else name_city
    if city != name_city:
        return "", f"image of city '{name_city}' (its name) is tagged with city '{city}'"
    if folder_city and city != folder_city:
        return "", f"image of city '{city}' lies in the dataset folder of city '{folder_city}'"
    return city, None


def _rings(obj: dict) -> list | None:
    points = obj.get("points")
    if not isinstance(points, dict) or not isinstance(points.get("exterior"), list):
        return None
    interior = points.get("interior", [])
    if not isinstance(interior, list) or not all(isinstance(ring, list) for ring in interior):
        return None
    return [points["exterior"], *interior]


OBJECTS = ObjectFormat(
    "classTitle",
    _rings,
    "no 'points' object with an 'exterior' list and an 'interior' list of lists",
    geometry_key="geometryType",
)


# Writing a project (the Supervisely export): meta.json and one annotation file per image.

UNKNOWN_CLASS_COLOR = "#808080"


def annotation_path(split: str, image_id: str) -> str:
    """Where a project keeps an image's annotation: the dataset is the split, as Dataset Ninja names it."""
    return f"{split}/ann/{image_id}_leftImg8bit.png.json"


def polygon_object(label: str, exterior, interior: list) -> dict:
    """An object of an annotation file: a polygon, its exterior ring and its holes as [x, y] lists."""
    return {
        "classTitle": label,
        "description": "",
        "geometryType": "polygon",
        "tags": [],
        "points": {"exterior": exterior, "interior": interior},
    }


def annotation_text(city: str, width: int, height: int, objects: list[dict]) -> bytes:
    """One image's annotation file: its city as a tag (read back as its city), its size, its objects.
    Rings may be numpy arrays, written as lists."""
    doc = {
        "description": "",
        "tags": [{"name": city, "value": None}],
        "size": {"height": height, "width": width},
        "objects": objects,
    }
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)


def meta_text(classes: list[tuple[str, str | None]], cities: list[str]) -> bytes:
    """meta.json: one polygon class per (title, colour), grey for a class without one, and one tag per city."""
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
    meta = {
        "classes": [_class(title, color or UNKNOWN_CLASS_COLOR) for title, color in classes],
        "tags": tags,
        "projectType": "images",
    }
    return orjson.dumps(meta, option=orjson.OPT_INDENT_2)


def _class(title: str, color: str) -> dict:
    return {"title": title, "shape": "polygon", "color": color, "geometry_config": {}, "hotkey": ""}


def _color_of(name: str) -> str:
    """A fixed colour per tag name, so the same warehouse always gives the same meta.json."""
    return f"#{zlib.crc32(name.encode()) & 0xFFFFFF:06x}"


# The raw spelling. Exports keep every rejected object in place by spelling its raw JSON in the
# other format; only the keys that name the same thing are renamed (label <-> classTitle,
# polygon <-> points), every other key (the labelling tool's `deleted`) travels as it is, so
# reading the export rejects the object again for the same reason.
def gtfine_to_supervisely(obj):
    return _renamed(obj, {"label": ("classTitle", _same), "polygon": ("points", _exterior)})


def supervisely_to_gtfine(obj):
    return _renamed(obj, {"classTitle": ("label", _same), "points": ("polygon", _joined)})


def _renamed(obj, keys: dict[str, tuple[str, Callable]]):
    """`obj` with the keys in `keys` renamed and their values converted, every other key as it is."""
    if not isinstance(obj, dict):
        return obj
    renamed = {}
    for key, value in obj.items():
        name, convert = keys.get(key, (key, _same))
        renamed[name] = convert(value)
    return renamed


def _same(value):
    return value


def _exterior(polygon):
    return {"exterior": polygon, "interior": []}


def _joined(points):
    """gtFine has one point list: the exterior, then any holes after it (as 'out of roi' does)."""
    if not isinstance(points, dict):
        return points
    interior = points.get("interior") or []
    rings = [points.get("exterior", []), *interior] if isinstance(interior, list) else [points.get("exterior", [])]
    return list(chain.from_iterable(r for r in rings if isinstance(r, list)))
