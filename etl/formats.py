"""Every source format the build reads, declared once: how a path is recognised as it, how its
files are named, how one of them is parsed, and how a rejected object's raw JSON reads as gtFine
(for the exports).

Adding a format is one module (its adapter, its parser, its writer, its raw spelling: see
sources/coco.py, sources/gtfine.py, sources/supervisely.py) and one line in FORMATS. Everything
after the adapter (tables, views, checks, exports) is blind to the format;
`build_info.source_kind` starts with the format's name, so an export knows how the `rejects.raw`
it copies is spelled.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import parse, reasons
from .sources import Source, SourceError, SourceFile, coco, gtfine, release_inside, supervisely
from .sources import open_source as open_release

# What `export` writes, in this order (export.EXPORTERS). Named here, apart from the exporters, so
# the command line offers them without importing the exporters (and pyarrow.compute with them).
EXPORT_FORMATS = ("gtfine", "supervisely", "coco")


@dataclass(frozen=True)
class SourceFormat:
    name: str  # SourceFile.format, and the first word of the adapter's `kind`
    # (file, duplicate_of) -> records, for a file read without a file-level problem
    parse: Callable[[SourceFile, str | None], parse.ParsedFile]
    file_name: re.Pattern  # SourceFile.file_name, with groups city, seq and frame
    raw_to_gtfine: Callable[[object], object]  # a rejected object, as parsed from `rejects.raw`
    # The adapter when `path` holds this format, else None. Formats without one (gtFine and
    # Supervisely) are told apart by sources.open_source, which is tried after all the others.
    detect: Callable[[Path], Source | None] | None = None


def _as_is(obj: object) -> object:
    return obj


FORMATS: dict[str, SourceFormat] = {
    f.name: f
    for f in (
        SourceFormat("gtfine", gtfine.parse_gtfine, gtfine.FILE_NAME, _as_is),
        SourceFormat(
            "supervisely", supervisely.parse_supervisely, supervisely.FILE_NAME, supervisely.supervisely_to_gtfine
        ),
        SourceFormat(coco.NAME, coco.parse_coco, parse.IMAGE_FILE_NAME, coco.raw_to_gtfine, coco.detect),
    )
}


def open_source(path: str | Path) -> Source:
    """The adapter for what the user pointed at (SourceError when it is no source at all)."""
    path = Path(path)
    for fmt in FORMATS.values():
        found = fmt.detect(path) if fmt.detect and path.exists() else None
        if found is not None:
            other = release_inside(path) if path.is_dir() else None
            if other:
                raise SourceError(
                    f"{path}: holds {fmt.name.upper()} files and {other} as well; "
                    "point at the folder of the one to read"
                )
            return found
    return open_release(path)


def parse_file(src: SourceFile, duplicate_of: str | None = None) -> parse.ParsedFile:
    """One file of any format -> its image, objects and rejects. `duplicate_of` names the file
    that already gave this image_id."""
    if duplicate_of is not None and duplicate_of == src.source_path:
        # an archive holding one member twice: the second copy is one file-level reject
        out = parse.ParsedFile(src.source_path)
        out.reject(reasons.DUPLICATE_IMAGE, "a second copy of this archive member; the first copy was read")
        return out
    src = src.loaded()
    if src.problem:
        out = parse.ParsedFile(src.source_path)
        out.reject(*src.problem)
        return out
    return FORMATS[src.format].parse(src, duplicate_of)


def image_id_of(file_name: str) -> str | None:
    """The image a file annotates, from its name in any format; None when no format names it so."""
    for fmt in FORMATS.values():
        m = fmt.file_name.match(file_name)
        if m:
            return f"{m['city']}_{m['seq']}_{m['frame']}"
    return None


def format_of(source_kind: str) -> SourceFormat:
    """The format of a warehouse's source, from `build_info.source_kind` (e.g. 'gtfine-zip')."""
    return FORMATS[source_kind.split("-")[0]]
