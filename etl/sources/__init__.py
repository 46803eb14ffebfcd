"""Source adapters: each turns one on-disk format into a stream of SourceFile records."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path

from ..published import SPLITS
from .base import Source, SourceError, SourceFile
from .gtfine import GtFineFolder, GtFineZip
from .supervisely import META_FILE, SuperviselyFolder, SuperviselyTar

__all__ = ["Source", "SourceError", "SourceFile", "open_source", "release_inside"]

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz")


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
        if tarfile.is_tarfile(path):
            return SuperviselyTar(path)
        if path.name.endswith(TAR_SUFFIXES):
            raise SourceError(f"{path}: not a readable tar archive (truncated or corrupt download?)")
        raise SourceError(
            f"{path}: expected gtFine_trainvaltest.zip, a Supervisely .tar, a COCO instances_{{split}}.json "
            "or a folder, got a file"
        )
    # A folder of datasets with ann/ inside is a Supervisely project even when meta.json is
    # missing: the adapter then says that meta.json is what is missing.
    if (path / META_FILE).is_file() or any(p.is_dir() for p in path.glob("*/ann")):
        return SuperviselyFolder(path)
    if (path / "gtFine").is_dir():
        return GtFineFolder(path / "gtFine")
    if any((path / split).is_dir() for split in SPLITS):
        return GtFineFolder(path)
    subset = _subset(path)
    if subset:
        return subset
    raise SourceError(
        f"{path}: found neither a gtFine/ folder nor train/, val/ or test/ inside, nor a Supervisely meta.json, "
        "nor COCO instances_{split}.json files; "
        "point at gtFine_trainvaltest.zip, the extracted gtFine/ folder, the folder holding it or a split "
        "or city folder inside it, or at a Supervisely project folder (or a dataset folder inside it) or .tar"
    )


def release_inside(folder: Path) -> str | None:
    """What open_source would read in `folder` (a gtFine folder, split folders, a Supervisely
    project), in words; None when it holds none of them. A folder holding another format's files
    as well is ambiguous: reading one would leave the other unread without a word."""
    if (folder / META_FILE).is_file() or any(p.is_dir() for p in folder.glob("*/ann")):
        return "a Supervisely project"
    if (folder / "gtFine").is_dir():
        return "a gtFine/ folder"
    splits = [split for split in SPLITS if (folder / split).is_dir()]
    return f"gtFine split folders ({', '.join(splits)})" if splits else None


def _subset(path: Path) -> Source | None:
    """A folder inside a release: a split or city folder of gtFine, a dataset (or its ann/) of a
    Supervisely project. It is read in place, named as in the whole release, so its rows are the
    whole release's rows for that part."""
    path = path.absolute()
    for depth, project in enumerate((path.parent, path.parent.parent)):
        if (project / META_FILE).is_file() and (depth == 0 or path.name == "ann"):
            return SuperviselyFolder(project, dataset=(path if depth == 0 else path.parent).name)
    if path.name in SPLITS:
        return GtFineFolder(path.parent, under=path)
    if path.parent.name in SPLITS:
        return GtFineFolder(path.parent.parent, under=path)
    return None
