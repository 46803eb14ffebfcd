"""Every source format the build reads, declared once: how a path is recognised as it, how one of
its files is parsed, and how a rejected object's raw JSON reads as gtFine (for the exports).

Adding a format is one module (its adapter, its parser, its raw spelling: see sources/coco.py)
and one line in FORMATS. Everything after the adapter (tables, views, checks, exports) is blind
to the format; `build_info.source_kind` starts with the format's name, so an export knows how
the `rejects.raw` it copies is spelled.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from . import parse
from .sources import Source, SourceFile, coco, supervisely
from .sources import open_source as open_release


@dataclass(frozen=True)
class SourceFormat:
    name: str  # SourceFile.format, and the first word of the adapter's `kind`
    parse: Callable[[SourceFile, str | None], parse.ParsedFile]  # (file, duplicate_of) -> records
    raw_to_gtfine: Callable[[object], object]  # a rejected object, as parsed from `rejects.raw`
    # The adapter when `path` holds this format, else None. Formats without one (gtFine and
    # Supervisely) are told apart by sources.open_source, which is tried after all the others.
    detect: Callable[[Path], Source | None] | None = None


def _as_is(obj: object) -> object:
    return obj


FORMATS: dict[str, SourceFormat] = {
    f.name: f
    for f in (
        SourceFormat("gtfine", parse.parse_file, _as_is),
        SourceFormat("supervisely", parse.parse_file, supervisely.supervisely_to_gtfine),
        SourceFormat(coco.NAME, coco.parse_coco, coco.raw_to_gtfine, coco.detect),
    )
}


def open_source(path: str | Path) -> Source:
    """The adapter for what the user pointed at (SourceError when it is no source at all)."""
    path = Path(path)
    for fmt in FORMATS.values():
        found = fmt.detect(path) if fmt.detect and path.exists() else None
        if found is not None:
            return found
    return open_release(path)


def parse_file(src: SourceFile, duplicate_of: str | None = None) -> parse.ParsedFile:
    """One file of any format -> its image, objects and rejects."""
    return FORMATS[src.format].parse(src, duplicate_of)


def format_of(source_kind: str) -> SourceFormat:
    """The format of a warehouse's source, from `build_info.source_kind` (e.g. 'gtfine-zip')."""
    return FORMATS[source_kind.split("-")[0]]
