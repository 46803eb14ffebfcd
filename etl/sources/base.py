"""What every source adapter yields: one annotation file, its place in the release, and its bytes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


class SourceError(Exception):
    """The source as a whole cannot be read (missing, not a dataset, a broken archive)."""


@dataclass(frozen=True)
class SourceFile:
    source_path: str  # relative, inside the source, always with forward slashes
    split: str
    city: str
    file_name: str
    data: bytes | None  # None when the file could not be read: see problem
    problem: tuple[str, str] | None = None  # (reason, detail) for a file-level reject


class Source(Protocol):
    kind: str
    location: str
    synthetic: bool

    def count(self) -> int: ...

    def files(self) -> Iterator[SourceFile]: ...
