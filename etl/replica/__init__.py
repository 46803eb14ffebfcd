"""A deterministic synthetic replica of the Cityscapes gtFine release, in the real file format.

`write_replica(out)` writes `out/gtFine/{split}/{city}/*_gtFine_polygons.json` matching every
figure Dataset Ninja published (at scale 1), plus `out/truth.json` with the figures written and the
number of each planted fault, and optionally `out/gtFine_trainvaltest.zip`. The real annotations are
licensed and not redistributable; the replica lets the whole warehouse run and be tested without them.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings
from ..layout import DATABASE_FILE, MANIFEST_FILE
from .allocate import plan_replica
from .faults import FaultKind, fault_counts
from .truth import replica_truth
from .writer import ZIP_NAME, write_polygon_files, write_zip

__all__ = ["REPLICA_VERSION", "ZIP_NAME", "FaultKind", "fault_counts", "write_replica"]

# Bump whenever the bytes written for a given (seed, scale) change.
REPLICA_VERSION = "1.0.0"
GENERATOR = "cityscapes-warehouse synthetic replica"
TRUTH_NAME = "truth.json"
# Present while a replica is being written, so an interrupted run is known to be ours and is
# cleared by the next one; truth.json is written last and marks a complete replica.
INCOMPLETE_MARKER = ".replica-incomplete"


def _clear_previous_replica(out: Path) -> None:
    """Remove a replica written here before, so no stale file of another scale survives.

    What the replica writes (gtFine/, truth.json, the zip) may only replace a replica of this tool:
    a user's own gtFine_trainvaltest.zip beside it, the licensed download, must never be overwritten.
    """
    if any((out / marker).is_file() for marker in (DATABASE_FILE, MANIFEST_FILE)):
        raise FileExistsError(f"{out} is a warehouse; write the replica into another folder")
    present = [name for name in ("gtFine", TRUTH_NAME, ZIP_NAME) if (out / name).exists() or (out / name).is_symlink()]
    if not present:
        return
    if not ((out / INCOMPLETE_MARKER).exists() or _written_by_us(out / TRUTH_NAME)):
        raise FileExistsError(
            f"{out}: {', '.join(present)} already there and not written by this tool (no truth.json of a "
            "replica beside them); write the replica into another folder"
        )
    if (out / "gtFine").exists():
        shutil.rmtree(out / "gtFine")
    (out / ZIP_NAME).unlink(missing_ok=True)
    (out / TRUTH_NAME).unlink(missing_ok=True)


def _written_by_us(truth: Path) -> bool:
    try:
        return json.loads(truth.read_text()).get("generator") == GENERATOR
    except (OSError, ValueError, AttributeError):  # absent, unreadable, not JSON, not an object
        return False


def write_replica(
    out: Path,
    seed: int = 0,
    scale: float = 1.0,
    make_zip: bool = False,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    label_pngs: bool = False,
) -> dict[str, Any]:
    """Write the replica into `out` and return its truth (also written to `out/truth.json`).

    `scale` shrinks every count proportionally (every city keeps an image); `workers` defaults to
    Settings().workers. The bytes depend only on (seed, scale). `label_pngs` also writes each
    image's `_gtFine_labelIds.png` and `_gtFine_instanceIds.png` as the release has them (the
    official encoding: 8-bit label ids, 16-bit instance ids, drawn by cityscapesScripts' rules).
    """
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous_replica(out)
    (out / INCOMPLETE_MARKER).write_text(GENERATOR + "\n")
    plans, faults = plan_replica(seed, scale)
    workers = workers if workers is not None else Settings().workers
    vertices, json_bytes = write_polygon_files(out, seed, scale, plans, workers, progress, label_pngs)
    truth = {
        "generator": GENERATOR,
        "replica_version": REPLICA_VERSION,
        "seed": seed,
        "scale": scale,
        **replica_truth(plans, faults),
        "vertices": vertices,
        "json_bytes": json_bytes,
        "zip": None,
        "label_pngs": label_pngs,
    }
    if make_zip:
        truth["zip"] = write_zip(out, plans, REPLICA_VERSION, seed, scale, label_pngs).name
    (out / TRUTH_NAME).write_text(json.dumps(truth, indent=2) + "\n")
    (out / INCOMPLETE_MARKER).unlink()
    return truth
