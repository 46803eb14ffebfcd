"""The main job of a fresh checkout: the full synthetic replica (cached), built and summarised."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "cityscapes-warehouse"


def cached_replica(
    cache: Path, seed: int, scale: float, progress: Callable[[int, int], None] | None = None
) -> tuple[Path, dict, bool]:
    """The replica for (version, seed, scale) under `cache`, written only when not there yet.

    Returns its folder, its truth and whether it was reused. truth.json is written last, so a
    replica whose truth matches is complete.
    """
    # imported here: the command line imports this module for default_cache, and the replica's
    # generator brings shapely, which no other command needs
    from .replica import REPLICA_VERSION, TRUTH_NAME, write_replica

    folder = cache / f"replica-v{REPLICA_VERSION}-seed{seed}-scale{scale:g}"
    truth_path = folder / TRUTH_NAME
    if truth_path.is_file():
        truth = json.loads(truth_path.read_text())
        if (truth.get("replica_version"), truth.get("seed"), truth.get("scale")) == (REPLICA_VERSION, seed, scale):
            return folder, truth, True
    truth = write_replica(folder, seed=seed, scale=scale, progress=progress)
    return folder, truth, False
