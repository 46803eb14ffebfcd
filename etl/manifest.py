"""A warehouse knows itself: `manifest.json` records the layout's format version and every file the
tool wrote. It is how `build --out` tells a warehouse (which it may replace) from a folder of the
user's own files (which it refuses to touch), and publishing replaces only the files it lists.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from .layout import MANIFEST_FILE
from .version import __version__

# 1: tables/<table>/part-0.parquet, warehouse.duckdb, manifest.json (the first layout with a manifest)
FORMAT_VERSION = 1
# A manifest lists a few dozen files (a full-scale build's: 15 files in 1.4 kB); far more is no
# manifest. 1 MiB, as parsed by the json module, is at most 350,000 empty lists (about 30 MB): the
# 64 MiB the limit was let a manifest of `[]` take `query` to 1.8 GB.
MAX_MANIFEST_BYTES = 1024 * 1024


class ManifestError(Exception):
    """A folder's manifest.json is missing, unreadable or from a newer tool."""


def write_manifest(warehouse: Path) -> dict:
    """List every file under `warehouse` (relative, with its size) in its manifest.json."""
    files = {
        path.relative_to(warehouse).as_posix(): path.stat().st_size
        for path in sorted(warehouse.rglob("*"))
        if path.is_file() and path.name != MANIFEST_FILE
    }
    manifest = {
        "tool": "cityscapes-warehouse",
        "tool_version": __version__,
        "format_version": FORMAT_VERSION,
        "files": [{"path": rel, "bytes": size} for rel, size in files.items()],
    }
    (warehouse / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def read_manifest(warehouse: Path) -> dict:
    """The manifest of the warehouse at `warehouse`; ManifestError when it is not one this tool reads."""
    path = warehouse / MANIFEST_FILE
    try:
        manifest = json.loads(_read_bounded(path))
    except FileNotFoundError:
        raise ManifestError(f"{warehouse}: no {MANIFEST_FILE}, so not a warehouse") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        raise ManifestError(f"{path}: unreadable ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("tool") != "cityscapes-warehouse":
        raise ManifestError(f"{path}: not a cityscapes-warehouse manifest")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ManifestError(
            f"{path}: format version {version!r}; this cityscapes-warehouse {__version__} reads up to "
            f"{FORMAT_VERSION} (upgrade it)"
        )
    files = manifest.get("files")
    if not isinstance(files, list) or not all(isinstance(f, dict) and isinstance(f.get("path"), str) for f in files):
        raise ManifestError(f"{path}: no valid file list")
    return manifest


def _read_bounded(path: Path) -> bytes:
    """The bytes of a regular file of at most MAX_MANIFEST_BYTES: a FIFO would block the open, a
    device (a link to /dev/zero) never end the read."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("not a regular file")
    with path.open("rb") as file:
        data = file.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise ValueError(f"over {MAX_MANIFEST_BYTES} bytes")
    return data


def listed_files(manifest: dict) -> set[str]:
    """The relative paths a manifest lists, manifest.json itself included."""
    return {entry["path"] for entry in manifest["files"]} | {MANIFEST_FILE}
