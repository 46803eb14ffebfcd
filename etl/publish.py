"""Publish a staged warehouse at `--out`: atomically, and only over a warehouse.

A build writes into a staging folder beside `--out`, audits it, then swaps it in. `--out` may be
absent, an empty folder or a warehouse (a folder with this tool's manifest.json); anything else is
refused before a single source file is read (`check_out`). Publishing replaces only the files the
old manifest lists: a file the user put inside a warehouse is carried over to the new one.
"""

from __future__ import annotations

import ctypes
import glob
import os
import shutil
from pathlib import Path

from .layout import DATABASE_FILE, MANIFEST_FILE, OWNED, duckdb_path_problem, resolved_as
from .manifest import ManifestError, listed_files, read_manifest, write_manifest
from .user_error import WarehouseError
from .workers import process_alive

# DuckDB's journal of the old database, left by a writer that ended without a checkpoint: it belongs
# to that database and goes with it. Carried over as a user's file, DuckDB would replay it onto the new
# database, refuse ("WAL does not match database file"), and the new warehouse would not open.
OLD_DATABASE_JOURNAL = DATABASE_FILE + ".wal"


class PublishError(WarehouseError):
    """`--out` is not a place a warehouse may be published: nothing was changed."""


def check_out(out: Path) -> set[str]:
    """Refuse an `--out` that is neither absent, nor an empty folder, nor a warehouse.

    Returns the files the existing warehouse's manifest lists (empty when there is none). Files
    the manifest does not list are the user's; one at a path the warehouse owns could not be kept.
    """
    # the database is written at `<out's parent>/.<out's name>.staging-<pid>/`, then moved to `out`
    resolved = os.path.realpath(out)
    problem = duckdb_path_problem(resolved)
    if problem:
        raise PublishError(f"{resolved_as(out, resolved)}: {problem}; choose an --out without one")
    if out.is_symlink():
        # publishing renames the staging folder onto `out`: the link itself would be replaced by a
        # folder, and the one it points to left as it was
        raise PublishError(
            f"{out} is a symbolic link (to {out.resolve()}); give the folder itself as --out, or another --out"
        )
    if not out.exists():
        return set()
    if not out.is_dir():
        raise PublishError(f"{out} exists and is not a folder; choose another --out")
    if not any(out.iterdir()):
        return set()
    try:
        listed = listed_files(read_manifest(out))
    except ManifestError as exc:
        raise PublishError(
            f"{out} is not empty and is not a warehouse ({exc}); nothing was changed: choose another --out"
        ) from exc
    clashing = [rel for rel in _unlisted(out, listed) if rel.split("/")[0] in OWNED]
    if clashing:
        raise PublishError(
            f"{out}: {', '.join(clashing[:5])} not written by the tool but where the warehouse keeps its "
            "files; move them out, then build again"
        )
    return listed


def check_out_outside_source(out: Path, read: str | Path) -> None:
    """Refuse an `--out` inside the folder a build reads (a source's `location`): the next build of
    it would read the warehouse's own files as annotation files (its manifest.json, badly named)."""
    read = Path(read).resolve()
    if read.is_dir() and out.resolve().is_relative_to(read):
        raise PublishError(f"{out} lies inside {read}, the folder the build reads; choose an --out outside it")


def staging_dir(out: Path) -> Path:
    """A new, empty directory beside `out` (same file system, so the final rename is atomic).

    Staging directories left by builds that were killed are removed here: their process is gone.
    A folder that cannot be made there is an error naming `out`, the folder the user asked for
    (`--out /proc/x` named `/proc/.x.staging-123`, a name the user never gave).
    """
    # the name escaped: `--out '*'` took every dead build's staging folder beside it for its own
    for stale in out.parent.glob(f".{glob.escape(out.name)}.staging-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    try:
        staging.mkdir(parents=True)
    except OSError as exc:
        raise type(exc)(exc.errno, exc.strerror, str(out)) from exc
    return staging


def publish(staging: Path, out: Path) -> None:
    """Write the manifest of `staging`, then make it `out`.

    Readers see the old warehouse or the new one, never neither: the two directories are swapped
    in one atomic step where the file system allows it. The user's files (those the old manifest
    does not list) are then moved from the old warehouse into the new one.
    """
    listed = check_out(out)  # again: the folder may have changed while the build ran
    write_manifest(staging)
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):
        old = staging
    else:
        old = out.parent / f".{out.name}.retired-{os.getpid()}"
        out.rename(old)
        staging.rename(out)
    try:
        for rel in _unlisted(old, listed):
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            (old / rel).rename(target)
    finally:
        shutil.rmtree(old, ignore_errors=True)


def _unlisted(folder: Path, listed: set[str]) -> list[str]:
    """Files (and links) under `folder` that the manifest does not list, relative, sorted."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        base = Path(dirpath).relative_to(folder)
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            rel = (base / name).as_posix()
            if rel not in listed and rel not in (MANIFEST_FILE, OLD_DATABASE_JOURNAL):
                found.append(rel)
    return sorted(found)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
