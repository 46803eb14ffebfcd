"""The official gtFine release: the extracted folder, the folder holding it, or the zip read in place.

Layout: gtFine/{split}/{city}/{city}_{seq}_{frame}_gtFine_polygons.json. The polygon files are
parsed; the label PNGs beside them (`_gtFine_labelIds.png`, `_gtFine_instanceIds.png`), drawn from
the polygons, are only offered to the pixel stage's comparison (`label_pngs`), never parsed here.
"""

from __future__ import annotations

import os
import stat
import zipfile
import zlib
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path, PurePosixPath

from ..published import SPLITS
from .base import (
    MAX_COMPRESSION_RATIO,
    MAX_FILE_BYTES,
    FileProblem,
    SourceError,
    SourceFile,
    marked_synthetic,
    read_regular_file,
)

POLYGON_SUFFIX = "_gtFine_polygons.json"
LABEL_PNG_KINDS = ("labelIds", "instanceIds")


def _place(rel: PurePosixPath) -> tuple[str, str, tuple[str, str] | None]:
    """Split and city from a path relative to the gtFine root, or the reason it does not fit."""
    parts = rel.parts
    if len(parts) != 3:
        return "", "", ("bad_path", f"expected gtFine/{{split}}/{{city}}/{{file}}, got gtFine/{rel}")
    split, city, _ = parts
    if split not in SPLITS:
        return split, city, ("bad_path", f"split folder '{split}' is not one of {', '.join(SPLITS)}")
    return split, city, None


class GtFineFolder:
    kind = "gtfine-folder"

    def __init__(self, root: Path):
        self.root = root  # the gtFine folder itself
        self.location = str(root)
        self.synthetic = marked_synthetic(root.parent)
        self._paths = sorted(p for p in root.rglob("*.json") if not p.is_dir())

    def names(self) -> list[str]:
        return [path.name for path in self._paths]

    def label_pngs(self) -> dict[str, dict[str, Callable[[], bytes]]]:
        """Readers of the label PNGs beside each polygon file, by the file's source_path."""
        found: dict[str, dict[str, Callable[[], bytes]]] = {}
        for path in self._paths:
            pngs = {kind: path.with_name(name) for kind, name in _png_names(path.name).items()}
            readers = {kind: partial(read_regular_file, png) for kind, png in pngs.items() if png.is_file()}
            if readers:
                found[f"gtFine/{path.relative_to(self.root).as_posix()}"] = readers
        return found

    def files(self) -> Iterator[SourceFile]:
        for path in self._paths:
            rel = PurePosixPath(path.relative_to(self.root).as_posix())
            source_path = f"gtFine/{rel}"
            split, city, problem = _place(rel)
            yield SourceFile(source_path, split, city, rel.name, None, problem, reader=partial(read_regular_file, path))


class GtFineZip:
    kind = "gtfine-zip"

    def __init__(self, path: Path):
        self.location = str(path)
        self._path = str(path.resolve())
        self.synthetic = marked_synthetic(path.parent)
        try:
            self._zip = zipfile.ZipFile(path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{path}: not a readable zip archive ({exc}); is the download complete?") from exc
        self._entries = sorted(
            (i for i in infos if not i.is_dir() and i.filename.endswith(".json") and _under_gtfine(i.filename)),
            key=lambda i: i.filename,
        )
        self._pngs = {i.filename: i for i in infos if i.filename.endswith(".png") and _unsafe(i) is None}
        if not self._entries:
            raise SourceError(f"{path}: the archive holds no gtFine/ polygon files")

    def names(self) -> list[str]:
        return [PurePosixPath(info.filename).name for info in self._entries]

    def label_pngs(self) -> dict[str, dict[str, Callable[[], bytes]]]:
        """Readers of the label PNGs beside each polygon file, by the file's source_path."""
        found: dict[str, dict[str, Callable[[], bytes]]] = {}
        for info in self._entries:
            folder, _, name = info.filename.rpartition("/")
            pngs = {kind: self._pngs.get(f"{folder}/{png}") for kind, png in _png_names(name).items()}
            readers = {kind: partial(read_zip_entry, self._path, png) for kind, png in pngs.items() if png}
            if readers:
                found[info.filename] = readers
        return found

    def files(self) -> Iterator[SourceFile]:
        for info in self._entries:
            name = info.filename
            rel = PurePosixPath(name.split("gtFine/", 1)[1])
            split, city, problem = _place(rel)
            problem = _unsafe(info) or problem
            reader = partial(read_zip_entry, self._path, info)
            yield SourceFile(name, split, city, rel.name, None, problem, reader=reader)


_open_archives: dict[tuple[int, str], tuple[tuple[int, int, int], zipfile.ZipFile]] = {}


def read_zip_entry(archive: str, info: zipfile.ZipInfo) -> bytes:
    """One entry's bytes, inflated in the process that parses it (both cores inflate, not one).

    Each process opens the archive itself: a forked worker sharing its parent's open file would
    share its file offset too, and concurrent reads would interleave. An archive replaced on disk
    since it was opened (another inode, size or time) is opened afresh.
    """
    try:
        info_on_disk = os.stat(archive)
        stamp = (info_on_disk.st_ino, info_on_disk.st_size, info_on_disk.st_mtime_ns)
        key = (os.getpid(), archive)
        opened = _open_archives.get(key)
        if opened is None or opened[0] != stamp:
            if opened is not None:
                opened[1].close()
            opened = _open_archives[key] = (stamp, zipfile.ZipFile(archive))
        return opened[1].read(info)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise FileProblem("unreadable", f"{type(exc).__name__}: {exc}") from exc


def _png_names(polygon_file: str) -> dict[str, str]:
    stem = polygon_file.removesuffix(POLYGON_SUFFIX)
    return {kind: f"{stem}_gtFine_{kind}.png" for kind in LABEL_PNG_KINDS} if stem != polygon_file else {}


def _under_gtfine(name: str) -> bool:
    return name.startswith("gtFine/") or "/gtFine/" in name


def _unsafe(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    name = info.filename
    if name.startswith("/") or "\\" in name or ".." in PurePosixPath(name).parts:
        return ("unsafe_path", f"archive path '{name}' escapes the archive")
    if stat.S_ISLNK(info.external_attr >> 16):
        return ("unsafe_path", f"archive entry '{name}' is a symbolic link")
    if info.file_size > MAX_FILE_BYTES:
        return ("too_large", f"{info.file_size} bytes uncompressed, over the {MAX_FILE_BYTES} byte limit")
    if info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1) and info.file_size > 1024 * 1024:
        return (
            "too_large",
            f"{info.file_size} bytes from {info.compress_size} compressed: "
            f"a ratio over {MAX_COMPRESSION_RATIO}:1 is a zip bomb, not an annotation",
        )
    return None
