"""Source adapters: each turns one on-disk format into a stream of SourceFile records."""

from __future__ import annotations

import zipfile
from pathlib import Path

from .base import Source, SourceError, SourceFile
from .gtfine import SPLITS, GtFineFolder, GtFineZip

__all__ = ["Source", "SourceError", "SourceFile", "open_source"]


def open_source(path: str | Path) -> Source:
    """Detect what the user pointed at and return the adapter that reads it."""
    path = Path(path)
    if not path.exists():
        raise SourceError(f"{path}: no such file or folder")
    if path.is_file():
        if zipfile.is_zipfile(path):
            return GtFineZip(path)
        if path.suffix == ".zip":
            raise SourceError(f"{path}: not a readable zip archive (truncated or corrupt download?)")
        raise SourceError(f"{path}: expected gtFine_trainvaltest.zip or a folder, got a file")
    if (path / "gtFine").is_dir():
        return GtFineFolder(path / "gtFine")
    if any((path / split).is_dir() for split in SPLITS):
        return GtFineFolder(path)
    raise SourceError(
        f"{path}: found neither a gtFine/ folder nor train/, val/ or test/ inside; "
        "point at gtFine_trainvaltest.zip, the extracted gtFine/ folder or the folder holding it"
    )
