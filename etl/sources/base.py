"""What every source adapter yields: one annotation file, its place in the release, and its bytes."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

# Beside a source (in the folder holding it, or beside its archive), either file marks the data as
# synthetic: the replica generator writes truth.json, an export of a synthetic warehouse SYNTHETIC.txt,
# so a warehouse rebuilt from an export still carries the SYNTHETIC banner.
REPLICA_MARKER = "truth.json"
EXPORT_MARKER = "SYNTHETIC.txt"
SYNTHETIC_MARKERS = (REPLICA_MARKER, EXPORT_MARKER)


# The largest real annotation file is well under 2 MiB; anything far larger is not an annotation
# (or is a zip bomb), so it is refused before it is read or inflated.
MAX_FILE_BYTES = 64 * 1024 * 1024
# Pretty-printed polygon JSON deflates about 16:1; an entry claiming far more is a bomb.
MAX_COMPRESSION_RATIO = 200


class FileProblem(Exception):
    """One file cannot be read; `reason` and `detail` become its reject row."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def read_regular_file(path: Path) -> bytes:
    """A file's bytes, following links (users often link datasets in) but only to regular files."""
    try:
        info = path.stat()
    except OSError as exc:
        raise FileProblem("unreadable", f"{type(exc).__name__}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem("unreadable", "not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise FileProblem("too_large", f"{info.st_size} bytes, over the {MAX_FILE_BYTES} byte limit")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileProblem("unreadable", f"{type(exc).__name__}: {exc.strerror or exc}") from exc


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
    # Reads `data` where the file is parsed: a worker process reads its own files, so the bytes
    # never cross a process boundary. A picklable callable (functools.partial of a module function).
    reader: Callable[[], bytes] | None = None

    def loaded(self) -> SourceFile:
        """This file with its bytes read, or with the problem that kept them from being read."""
        if self.reader is None or self.problem or self.data is not None:
            return self
        try:
            return replace(self, data=self.reader(), reader=None)
        except FileProblem as exc:
            return replace(self, problem=(exc.reason, exc.detail), reader=None)


class Source(Protocol):
    kind: str
    location: str
    synthetic: bool

    def names(self) -> list[str]:
        """The file name of every file `files()` yields, in the same order, known before reading."""
        ...

    def files(self) -> Iterator[SourceFile]: ...
