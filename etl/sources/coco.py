"""COCO instances as this project exports them (export/coco.py), read back as a source; and the
spelling of an instances file, which the export writes with (instances_text and its entries).

Layout: a folder holding instances_{split}.json (one file per split; a SYNTHETIC.txt beside them
marks an export of the replica), or one such file. Each image of a file becomes one record: its
`file_name` `{city}/{city}_{seq}_{frame}_leftImg8bit.png` gives image_id and city, the file's
name the split, and its annotations (in file order, which the export writes in draw order) its
objects. A category's `name` is the label; `iscrowd` 1 on category X reads as the group label
`Xgroup`, the inverse of the export (polegroup is a category of its own and stays polegroup).
`source_path` names the file and the image's place in it: `instances_train.json#images[3]`.

What COCO cannot carry, so a warehouse built from a COCO export lacks it (tests/test_coco_source.py):
- rejected objects (deleted, too few points, unknown labels, ...): the export leaves them out;
- holes: an object with holes ('out of roi' framing its region of interest) is exported as a
  run-length mask, which is read as the reject `not_a_polygon`, not turned back into rings;
- draw_order values: objects are numbered 0.. in file order, so the gaps rejects left are closed
  (the painter's order itself is kept);
- the labelling tool's keys, and crowd flags on a class without a group label (refused, bad_object).
Only what the export writes is read: integer vertices, one polygon per annotation; float vertices
(most COCO tools') are bad_coordinates, several polygons (a union) not_a_polygon.

A rejected annotation's `raw` is the annotation as read, with the `label` it was read as added.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import orjson

from .. import reasons
from ..labels import LABELS
from ..parse import (
    IMAGE_FILE_NAME,
    MAX_OBJECTS_PER_FILE,
    JsonSize,
    ObjectFormat,
    ParsedFile,
    finish_objects,
    json_size,
    load_json,
    printable,
    raw_json,
    set_image,
    side_problem,
    too_large_to_parse,
)
from ..published import SPLITS
from .base import FileProblem, SourceFile, marked_synthetic, read_regular_file

NAME = "coco"
FILE_NAME = re.compile(r"^instances_(?P<split>[^/]+)\.json$")
# A COCO file holds a whole split, read whole: what one file may hold is bounded before its values
# are built, from what the export of the full-scale replica's largest split holds (train: 149 MB,
# 2,975 images, 235,751 annotations, 948,994 lists and objects, 39.3 million values; orjson makes
# 0.9 GB of Python objects of it, estimated by parse.json_size at 2.1 GB, and its build peaks at
# 2.0 GB). Each limit leaves a margin of at least 1.5 over that file, so an export of the real
# release (as large) reads; beyond them a file is refused whole as too_large, unread.
# 256 MiB of text: 1.7 x the train split's 149 MB (it was 512 MiB, read unbounded otherwise: 30 MB
# of `[]` took a build to 7.6 GB).
MAX_COCO_BYTES = 256 * 1024 * 1024
# 3 GiB of Python objects by the estimate (1.5 x the train split's 2.1 GB), which is never below
# what orjson makes, whatever the values' shape (tests/test_coco_source.py checks it shape by shape).
MAX_COCO_PARSED_BYTES = 3 * 1024**3
# Lists and objects (2.1 x the train split's): the export writes four per annotation (the
# annotation, its segmentation, its polygon, its bbox); a file of millions of `[]` fits the estimate
# (5 million in 15 MB: 0.7 GB) but would make an annotation, and a reject row, of each.
MAX_COCO_CONTAINERS = 2_000_000
# Images (6.7 x train's 2,975; the whole release has 5,000) and annotations (4.2 x train's; the
# whole release reads 287,680): each becomes a record or a reject row, so these bound what follows
# the reading (a list of bare numbers costs nothing to parse, and a row per number).
MAX_COCO_IMAGES = 20_000
MAX_COCO_ANNOTATIONS = 1_000_000
ORPHANS = "annotations without an image"
IMAGE_PATTERN = "{city}/{city}_{seq}_{frame}_leftImg8bit.png"


def detect(path: Path) -> CocoInstances | None:
    """The source when `path` is an instances_{split}.json or a folder holding such files."""
    if path.is_file():
        return CocoInstances([path], path) if FILE_NAME.match(path.name) else None
    # the glob also finds names the pattern does not (`instances_.json`): only the pattern's are files of it
    found = path.glob("instances_*.json") if path.is_dir() else []
    files = sorted(p for p in found if FILE_NAME.match(p.name) and p.is_file())
    return CocoInstances(files, path) if files else None


class CocoInstances:
    """The files read whole when the source is opened: each record then carries its image's bytes."""

    def __init__(self, files: list[Path], location: Path):
        self.location = str(location)
        self.kind = "coco-file" if location.is_file() else "coco-folder"
        self.synthetic = marked_synthetic(location.parent if location.is_file() else location)
        self._records = [record for path in files for record in _records(path)]

    def names(self) -> list[str]:
        return [record.file_name for record in self._records]

    def files(self) -> Iterator[SourceFile]:
        yield from self._records


def _records(path: Path) -> list[SourceFile]:
    """One record per image of the file, one for its annotations of no image, or one file reject."""
    name = path.name
    split = FILE_NAME.match(name)["split"]

    def file_reject(reason: str, detail: str) -> list[SourceFile]:
        return [SourceFile(name, split, "", name, None, (reason, detail), NAME)]

    if split not in SPLITS:
        return file_reject(reasons.BAD_PATH, f"split '{split}' (from instances_{{split}}.json) is not one of {SPLITS}")
    try:
        data = read_regular_file(path, MAX_COCO_BYTES)
    except FileProblem as exc:
        return file_reject(exc.reason, exc.detail)
    problem = _size_problem(json_size(data))
    if problem:
        return file_reject(reasons.TOO_LARGE, problem)
    doc, error = load_json(data)
    del data
    if error:
        return file_reject(*error)
    if not isinstance(doc, dict):
        return file_reject(reasons.MISSING_FIELD, f"top level is a {type(doc).__name__}, not an object")
    for key in ("images", "annotations", "categories"):
        if not isinstance(doc.get(key), list):
            return file_reject(reasons.MISSING_FIELD, f"'{key}' is missing or not a list")
    for key, limit in (("images", MAX_COCO_IMAGES), ("annotations", MAX_COCO_ANNOTATIONS)):
        if len(doc[key]) > limit:
            detail = f"{len(doc[key]):,} {key}, over the {limit:,} a COCO file of this package's export holds"
            return file_reject(reasons.TOO_LARGE, detail)
    categories = [
        [c["id"], c["name"]]
        for c in doc["categories"]
        if isinstance(c, dict) and type(c.get("id")) is int and isinstance(c.get("name"), str)
    ]
    records, first_index = [], {}
    for index, image in enumerate(doc["images"]):
        where = f"{name}#images[{index}]"
        image_id = image.get("id") if isinstance(image, dict) else None
        if type(image_id) is not int:
            problem = (reasons.MISSING_FIELD, "the image is not an object with an integer 'id'")
            records.append(SourceFile(where, split, "", "", None, problem, NAME))
        elif image_id in first_index:
            problem = (reasons.DUPLICATE_IMAGE, f"image id {image_id} is listed twice; its annotations go to the first")
            records.append(SourceFile(where, split, "", "", None, problem, NAME))
        else:
            first_index[image_id] = len(records)
            records.append(image)
    annotations: dict[int, list] = {image_id: [] for image_id in first_index}
    orphans = []
    for index, annotation in enumerate(doc["annotations"]):
        image_id = annotation.get("image_id") if isinstance(annotation, dict) else None
        if type(image_id) is int and image_id in annotations:
            annotations[image_id].append(annotation)
        else:
            orphans.append([index, annotation])
    for image_id, i in first_index.items():
        image = records[i]
        file_name = image.get("file_name")
        city, _, base = file_name.rpartition("/") if isinstance(file_name, str) else ("", "", "")
        data = {"image": image, "annotations": annotations[image_id], "categories": categories}
        records[i] = _record(f"{name}#images[{i}]", split, city, base, data)
    if len(orphans) > MAX_OBJECTS_PER_FILE:
        # as an image's objects: a row each would cost more than the file's values did
        detail = f"{len(orphans):,} {ORPHANS}, over the {MAX_OBJECTS_PER_FILE:,} objects an annotation file holds"
        records.append(SourceFile(f"{name}#{ORPHANS}", split, "", name, None, (reasons.TOO_LARGE, detail), NAME))
    elif orphans:
        records.append(_record(f"{name}#{ORPHANS}", split, "", name, {"orphans": orphans, "categories": categories}))
    return records


def _size_problem(size: JsonSize) -> str | None:
    """Why a text is too large to be parsed, counted from its bytes; None when it is not."""
    estimate = f"parsing them would take about {size.parsed_bytes / 1e9:.1f} GB"
    if size.containers > MAX_COCO_CONTAINERS:
        return (
            f"{size.containers:,} JSON lists and objects: {estimate}; a COCO file of this package's export "
            f"holds at most {MAX_COCO_CONTAINERS:,}"
        )
    if size.parsed_bytes > MAX_COCO_PARSED_BYTES:
        return (
            f"{size.values:,} JSON values: {estimate}, over the {MAX_COCO_PARSED_BYTES / 1e9:.1f} GB "
            "a COCO file of this package's export may take"
        )
    return None


def _record(where: str, split: str, city: str, file_name: str, data: dict) -> SourceFile:
    try:
        text = orjson.dumps(data)
    except TypeError:  # what orjson will not write (integers beyond 64 bits, lone surrogates)
        try:
            text = json.dumps(data).encode()
        except (RecursionError, ValueError) as exc:
            return SourceFile(where, split, city, file_name, None, (reasons.MALFORMED_JSON, str(exc)[:200]), NAME)
    return SourceFile(where, split, city, file_name, text, None, NAME)


def parse_coco(src: SourceFile, duplicate_of: str | None = None) -> ParsedFile:
    """One record of a COCO file (an image and its annotations, without a file-level problem) ->
    an image, objects, rejects."""
    out = ParsedFile(src.source_path)
    # an image's record is what a gtFine file is, and bounded as one (the full-scale export's
    # largest: 0.16 MB, estimated at 2.1 MB), so a worker never holds more than a file's worth
    detail = too_large_to_parse(src.data)
    if detail:
        out.reject(reasons.TOO_LARGE, detail)
        return out
    doc, error = load_json(src.data)
    if error:
        out.reject(*error)
        return out
    categories = {category_id: name for category_id, name in doc["categories"]}
    if "orphans" in doc:
        return _orphans(out, doc["orphans"], categories)
    image = doc["image"]
    problem = _image_problem(image, src)
    if problem:
        # as a gtFine file that cannot be placed, the image is rejected whole, its objects unread
        out.reject(problem[0], f"{problem[1]} ({len(doc['annotations'])} annotation(s) not read)")
        return out
    m = IMAGE_FILE_NAME.match(src.file_name)
    set_image(out, m, src.split, src.city, image["width"], image["height"])
    objects = [_labelled(annotation, categories) for annotation in doc["annotations"]]
    fmt = ObjectFormat("label", _rings, "no 'segmentation' list", problem=partial(_problem, categories))
    return finish_objects(out, objects, fmt, None, duplicate_of)


def _image_problem(image: dict, src: SourceFile) -> tuple[str, str] | None:
    m = IMAGE_FILE_NAME.match(src.file_name)
    if not m:
        return (
            reasons.BAD_FILE_NAME,
            f"file_name {raw_json(image.get('file_name'))[:120]} does not follow {IMAGE_PATTERN}",
        )
    if m["city"] != src.city:
        return reasons.CITY_MISMATCH, f"image of city '{m['city']}' lies in the folder of city '{src.city}'"
    for key in ("width", "height"):
        problem = side_problem(key, image.get(key))
        if problem:
            return reasons.MISSING_FIELD, problem
    return None


def _orphans(out: ParsedFile, orphans: list, categories: dict[int, str]) -> ParsedFile:
    """Annotations that belong to no image of the file: each an object reject, at its index in the file."""
    out.objects_read = len(orphans)
    for index, annotation in orphans:
        obj = _labelled(annotation, categories) if isinstance(annotation, dict) else annotation
        if isinstance(annotation, dict):
            detail = f"annotations[{index}] names image_id {raw_json(annotation.get('image_id'))[:40]}, no image's id"
            out.reject(reasons.MISSING_IMAGE, detail, index, obj)
        else:
            detail = f"annotations[{index}] is a {type(annotation).__name__}, not an object"
            out.reject(reasons.BAD_OBJECT, detail, index, annotation)
    return out


def _crowd_label(name: str, iscrowd: object) -> str | None:
    """The Cityscapes label of category `name` with this iscrowd, None when COCO's flag has no label."""
    if iscrowd == 0 and type(iscrowd) is int:
        return name
    if iscrowd == 1 and type(iscrowd) is int and name in LABELS:
        return name if LABELS[name].is_group else (f"{name}group" if f"{name}group" in LABELS else None)
    return None if name in LABELS else name  # an unknown category is rejected as unknown_label


def _labelled(annotation: dict, categories: dict[int, str]) -> dict:
    """The annotation with the label it is read as; without one when its category cannot give one."""
    obj = {key: value for key, value in annotation.items() if key != "label"}
    name = categories.get(obj.get("category_id")) if type(obj.get("category_id")) is int else None
    label = _crowd_label(name, obj.get("iscrowd", 0)) if name is not None else None
    if label is not None:
        obj["label"] = label
    return obj


def _problem(categories: dict[int, str], obj: dict) -> tuple[str, str] | None:
    """What COCO forbids or this reader does not read, before the checks every format shares."""
    category_id = obj.get("category_id")
    if type(category_id) is not int or category_id not in categories:
        return reasons.UNKNOWN_LABEL, f"category_id {raw_json(category_id)[:40]} is not among the file's categories"
    if "label" not in obj:
        shown = printable(raw_json(obj.get("iscrowd"))[:40])
        return reasons.BAD_OBJECT, f"iscrowd {shown} on category '{categories[category_id]}': no Cityscapes label"
    segmentation = obj.get("segmentation")
    if isinstance(segmentation, dict):
        return reasons.NOT_A_POLYGON, "segmentation is a run-length mask (a polygon with holes); only polygons are read"
    if not isinstance(segmentation, list) or not segmentation:
        return reasons.MISSING_POLYGON, "no 'segmentation' list of one polygon"
    if len(segmentation) > 1:
        return reasons.NOT_A_POLYGON, f"segmentation is a union of {len(segmentation)} polygons; an object is one"
    if not isinstance(segmentation[0], list) or len(segmentation[0]) % 2:
        return reasons.BAD_COORDINATES, "segmentation[0] is not a flat list of x, y coordinates"
    return None


def _rings(obj: dict) -> list:
    """The one polygon [x1, y1, x2, y2, ...] as gtFine's point list [[x1, y1], [x2, y2], ...]."""
    flat = obj["segmentation"][0]
    return [[list(pair) for pair in zip(flat[0::2], flat[1::2], strict=True)]]


def raw_to_gtfine(obj: object) -> object:
    """A rejected annotation as a gtFine object: its label and polygon where it has them, the rest as is."""
    if not isinstance(obj, dict):
        return obj
    segmentation = obj.get("segmentation")
    polygon = segmentation
    if isinstance(segmentation, list) and len(segmentation) == 1 and isinstance(segmentation[0], list):
        polygon = _rings(obj)[0] if len(segmentation[0]) % 2 == 0 else segmentation[0]
    renamed = {"label": obj["label"]} if "label" in obj else {}
    renamed.update({"polygon" if key == "segmentation" else key: value for key, value in obj.items() if key != "label"})
    if "polygon" in renamed:
        renamed["polygon"] = polygon
    return renamed


# Writing an instances file (the COCO export): the warehouse-side choices (which categories,
# polygon or run-length mask, bbox) are export/coco.py's; the spelling is here, beside its reader.

# The category id is the Cityscapes label id (1-33); the two labels without a positive id get ids
# after the table.
EXTRA_CATEGORY_IDS = {"license plate": 34, "unlabeled": 35}


def category_id(label_id: int, label: str) -> int:
    return label_id if label_id > 0 else EXTRA_CATEGORY_IDS[label]


def instances_file_name(split: str) -> str:
    return f"instances_{split}.json"


def category_entry(label_id: int, label: str, category: str) -> dict:
    return {"id": category_id(label_id, label), "name": label, "supercategory": category}


def image_entry(coco_id: int, city: str, image_id: str, width: int, height: int) -> dict:
    """An image, named as in leftImg8bit/{split}/ (IMAGE_PATTERN), so reading it back gives its image_id."""
    return {"id": coco_id, "file_name": f"{city}/{image_id}_leftImg8bit.png", "width": width, "height": height}


def annotation_entry(
    annotation_id: int, coco_image_id: int, category: int, segmentation, area_px: int, bbox: list, iscrowd: int
) -> dict:
    """An object: `segmentation` is one flat polygon [[x1, y1, x2, y2, ...]] (read back by _rings) or a
    run-length mask (read back as the reject not_a_polygon)."""
    return {
        "id": annotation_id,
        "image_id": coco_image_id,
        "category_id": category,
        "segmentation": segmentation,
        "area": area_px,
        "bbox": bbox,
        "iscrowd": iscrowd,
    }


def instances_text(images: list[dict], annotations: list[dict], categories: list[dict], info: dict) -> bytes:
    """One split's instances file; vertices may be numpy arrays, written as lists."""
    doc = {"info": info, "licenses": [], "images": images, "annotations": annotations, "categories": categories}
    return orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY)
