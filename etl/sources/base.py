"""What every source adapter yields: one annotation file, its place in the release, and its bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

# Beside a source (in the folder holding it, or beside its archive), either file marks the data as
# synthetic: the replica generator writes truth.json, an export of a synthetic warehouse SYNTHETIC.txt,
# so a warehouse rebuilt from an export still carries the SYNTHETIC banner.
REPLICA_MARKER = "truth.json"
EXPORT_MARKER = "SYNTHETIC.txt"
SYNTHETIC_MARKERS = (REPLICA_MARKER, EXPORT_MARKER)


def marked_synthetic(folder: Path) -> bool:
    return any((folder / name).is_file() for name in SYNTHETIC_MARKERS)


class SourceError(Exception):
    """The source as a whole cannot be read (missing, not a dataset, a broken archive)."""


@dataclass(frozen=True)
class SourceFile:
    source_path: str  # relative, inside the source, always with forward slashes
    split: str
    city: str  # "" when only the file's content can tell (a Supervisely project split by split)
    file_name: str
    data: bytes | None  # None when the file could not be read: see problem
    problem: tuple[str, str] | None = None  # (reason, detail) for a file-level reject
    format: str = "gtfine"  # which parser reads `data`: "gtfine" or "supervisely"
    classes: frozenset[str] | None = None  # the classes the source declares (meta.json); None: any


class Source(Protocol):
    kind: str
    location: str
    synthetic: bool

    def count(self) -> int: ...

    def files(self) -> Iterator[SourceFile]: ...
