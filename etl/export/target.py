"""Where an export is written: a staging folder beside OUT, renamed to OUT only when complete."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..sources.base import EXPORT_MARKER
from .snapshot import ExportError

# Read back by the source adapters, so a warehouse rebuilt from the export is labelled synthetic too.
_SYNTHETIC_TEXT = """\
SYNTHETIC: exported from a warehouse built from the cityscapes-warehouse synthetic replica.
No polygon here comes from the licensed Cityscapes release.
"""


@contextmanager
def staged_output(out: Path, synthetic: bool) -> Iterator[Path]:
    """Yield an empty folder to write into; it becomes `out` when the block ends without error.

    `out` must not exist or be empty: an export never mixes its files with older ones.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} exists and is not empty; choose another OUT or remove it first")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.export-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        if synthetic:
            (staging / EXPORT_MARKER).write_text(_SYNTHETIC_TEXT)
        if out.exists():
            out.rmdir()
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
