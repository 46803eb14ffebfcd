"""What every source adapter yields: one annotation file, its place in the release, and its bytes."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from .. import reasons
from ..user_error import WarehouseError

# Beside a source (in the folder holding it, or beside its archive), either file marks the data as
# synthetic: the replica generator writes truth.json, an export of a synthetic warehouse SYNTHETIC.txt,
# so a warehouse rebuilt from an export still carries the SYNTHETIC banner.
REPLICA_MARKER = "truth.json"
EXPORT_MARKER = "SYNTHETIC.txt"
SYNTHETIC_MARKERS = (REPLICA_MARKER, EXPORT_MARKER)


# The largest real annotation file is well under 2 MiB; anything far larger is not an annotation
# (or is a zip bomb), so it is refused before it is read, and inflating stops once an entry has
# produced this many bytes. Parsed, 16 MiB of dense polygons is about 400 MB of Python objects;
# parse.MAX_PARSED_BYTES_PER_FILE refuses a text estimated at over 64 MiB of them before it is
# parsed (one polygon of `[]` would be 1 GB), which keeps a build with two workers under 1 GiB.
MAX_FILE_BYTES = 16 * 1024 * 1024
# Pretty-printed polygon JSON deflates about 16:1; an entry claiming far more is a bomb.
MAX_COMPRESSION_RATIO = 200


class FileProblem(Exception):
    """One file cannot be read; `reason` and `detail` become its reject row."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason, self.detail = reason, detail


def read_regular_file(path: str | os.PathLike, limit: int = MAX_FILE_BYTES) -> bytes:
    """A file's bytes, following links (users often link datasets in) but only to regular files;
    TOO_LARGE beyond `limit` bytes (an annotation file's, unless the format holds a whole split)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FileProblem(reasons.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileProblem(reasons.UNREADABLE, "not a regular file")
    problem = size_problem(info.st_size, limit)
    if problem:
        raise FileProblem(*problem)
    try:
        with open(path, "rb") as file:
            # read(n) allocates n bytes first: asking for the limit cost 30 us a file, so the size
            # stat gave is read, and more (bounded) only if the file has grown since
            data = file.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += file.read(limit + 1 - len(data))
    except OSError as exc:
        raise FileProblem(reasons.UNREADABLE, f"{type(exc).__name__}: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise FileProblem(reasons.TOO_LARGE, f"over the {limit} byte limit")
    return data


def size_problem(size: int, limit: int = MAX_FILE_BYTES) -> tuple[str, str] | None:
    """(reason, detail) for a file whose size says it is too large to be read; None when it is not."""
    if size > limit:
        return reasons.TOO_LARGE, f"{size} bytes, over the {limit} byte limit"
    return None


def is_annotation_name(name: str) -> bool:
    """Whether a file is read as an annotation: its name ends in .json, in any case (.JSON too)."""
    return name.lower().endswith(".json")


def walk_files(top: Path) -> Iterator[tuple[Path, OSError | None]]:
    """Every file below `top` in sorted order, and every folder that could not be listed with its error.

    Links to folders are followed, but each folder is entered once (by device and inode), so a
    link back up cannot loop and a folder linked twice is read once.
    """
    entered: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            info = folder.stat()
            if (info.st_dev, info.st_ino) in entered:
                continue
            entered.add((info.st_dev, info.st_ino))
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            yield folder, exc
            continue
        folders = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # follows links
            except OSError:
                is_folder = False
            if is_folder:
                folders.append(Path(entry.path))
            else:
                yield Path(entry.path), None
        stack.extend(reversed(folders))


def no_annotation_error(where: Path, looked_for: str, found: list) -> SourceError:
    """The error for a source holding no annotation file: what was looked for, and what was there."""
    seen = f"{len(found)} other file(s), e.g. {found[0].name}" if found else "no file at all"
    return SourceError(f"{where}: no annotation file found: looked for {looked_for}; found {seen}")


def marked_synthetic(folder: Path) -> bool:
    return any((folder / name).is_file() for name in SYNTHETIC_MARKERS)


class SourceError(WarehouseError):
    """The source as a whole cannot be read (missing, not a dataset, a broken archive)."""


@dataclass(frozen=True)
class SourceFile:
    source_path: str  # relative, inside the source, always with forward slashes
    split: str
    city: str  # "" when only the file's content can tell (a Supervisely project split by split)
    file_name: str
    data: bytes | None  # None when the file could not be read: see problem
    problem: tuple[str, str] | None = None  # (reason, detail) for a file-level reject
    format: str = "gtfine"  # which parser reads `data`: a name in formats.FORMATS
    classes: frozenset[str] | None = None  # the classes the source declares (meta.json); None: any
    # Reads `data` where the file is parsed: a worker process reads its own files, so the bytes
    # never cross a process boundary. A picklable callable (functools.partial of a module function).
    reader: Callable[[], bytes] | None = None

    def loaded(self) -> SourceFile:
        """This file with its bytes read, or with the problem that kept them from being read.

        Whatever it returns holds no reader: a reader may hold an open archive, which cannot go to
        a worker process, and a file refused unread (its problem known) is never read.
        """
        if self.problem or self.data is not None:
            return replace(self, reader=None) if self.reader else self
        if self.reader is None:
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
