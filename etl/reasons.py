"""Why a file or an object was rejected: every `rejects.reason`, declared once.

The parser and the source adapters write these constants; data/README.md and the rejects suites
are checked against `REASONS` by tests/test_reasons.py, so a reason cannot be added in one place
and forgotten in another. `CONVENTIONS` are what the real release holds by design (the published
counts exclude them); every other reason is a fault of the source.
"""

from __future__ import annotations

from dataclasses import dataclass

# object-level: one object of a file that was read
TOO_FEW_POINTS = "too_few_points"
DELETED = "deleted"
UNKNOWN_LABEL = "unknown_label"
MISSING_LABEL = "missing_label"
MISSING_POLYGON = "missing_polygon"
BAD_OBJECT = "bad_object"
BAD_COORDINATES = "bad_coordinates"
TOO_MANY_HOLES = "too_many_holes"
DUPLICATE_IMAGE = "duplicate_image"
CLASS_NOT_IN_META = "class_not_in_meta"
NOT_A_POLYGON = "not_a_polygon"
MISSING_IMAGE = "missing_image"
# file-level: the whole file
MALFORMED_JSON = "malformed_json"
DUPLICATE_KEY = "duplicate_key"
MISSING_FIELD = "missing_field"
BAD_FILE_NAME = "bad_file_name"
BAD_PATH = "bad_path"
CITY_MISMATCH = "city_mismatch"
UNSAFE_PATH = "unsafe_path"
TOO_LARGE = "too_large"
UNSUPPORTED_ENTRY = "unsupported_entry"
UNREADABLE = "unreadable"
MISSING_ANNOTATION = "missing_annotation"
PARSE_ERROR = "parse_error"


@dataclass(frozen=True)
class Reason:
    name: str
    level: str  # "object" or "file"
    meaning: str


REASONS: dict[str, Reason] = {
    r.name: r
    for r in (
        Reason(TOO_FEW_POINTS, "object", "a polygon or hole with fewer than 3 points"),
        Reason(DELETED, "object", "marked deleted by the labelling tool"),
        Reason(UNKNOWN_LABEL, "object", "a label outside the Cityscapes label table"),
        Reason(MISSING_LABEL, "object", "no label string"),
        Reason(MISSING_POLYGON, "object", "no point list"),
        Reason(BAD_OBJECT, "object", "not a JSON object"),
        Reason(BAD_COORDINATES, "object", "a vertex that is not an [x, y] pair of integers within ±1,048,576"),
        Reason(TOO_MANY_HOLES, "object", "more than 32,767 holes"),
        Reason(
            DUPLICATE_IMAGE,
            "object",
            "an object of a second copy of an image (file-level for an empty copy or a repeated archive member)",
        ),
        Reason(CLASS_NOT_IN_META, "object", "a class the Supervisely meta.json does not declare"),
        Reason(NOT_A_POLYGON, "object", "a shape other than one polygon (a Supervisely bitmap, a COCO mask or union)"),
        Reason(MISSING_IMAGE, "object", "a COCO annotation whose image_id names no image of its file"),
        Reason(MALFORMED_JSON, "file", "empty, cut, not UTF-8, not JSON, or nested or numbered beyond reason"),
        Reason(DUPLICATE_KEY, "file", "a JSON object spelling one key twice (a reader would keep only one)"),
        Reason(MISSING_FIELD, "file", "image size or object list missing, or a size outside 1..8,192"),
        Reason(BAD_FILE_NAME, "file", "a name that does not follow the release's naming"),
        Reason(BAD_PATH, "file", "a place outside {split}/{city}/ (or a Supervisely dataset folder)"),
        Reason(CITY_MISMATCH, "file", "the city of the name, the folder or the tags disagree"),
        Reason(UNSAFE_PATH, "file", "an archive entry escaping the archive, or a link"),
        Reason(TOO_LARGE, "file", "more bytes (counted as inflated) or objects than an annotation file holds (a bomb)"),
        Reason(UNSUPPORTED_ENTRY, "file", "an encrypted archive entry, or one compressed with a method not read"),
        Reason(UNREADABLE, "file", "the bytes could not be read (I/O error, broken archive entry, a bad checksum)"),
        Reason(MISSING_ANNOTATION, "file", "a Supervisely image without its annotation file"),
        Reason(PARSE_ERROR, "file", "an unforeseen failure while parsing the file (please report it)"),
    )
}
OBJECT_REASONS = frozenset(name for name, r in REASONS.items() if r.level == "object")
FILE_REASONS = frozenset(name for name, r in REASONS.items() if r.level == "file")
# What the real release holds by design: the published object counts exclude them.
CONVENTIONS = frozenset({TOO_FEW_POINTS, DELETED})
SOURCE_FAULTS = frozenset(REASONS) - CONVENTIONS
