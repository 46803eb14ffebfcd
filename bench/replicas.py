"""The replicas the benchmarks run on, generated once into the cache and reused by bench/run.py and
bench/spark.py: the full replica, its zip, and N replicas side by side."""

from __future__ import annotations

import os
from pathlib import Path

from cityscapes_warehouse.demo import cached_replica
from cityscapes_warehouse.replica import ZIP_NAME, write_replica

# the replica's sequence numbers stay below 1000 in every city, so seed k's are moved up by k * 1000
# and keep the six digits of a gtFine file name (500_000 gave seeds 2 and 3 seven: rejected files)
SEQ_OFFSET = 1000


def zip_replica(cache: Path) -> Path:
    """The full replica as the official zip."""
    folder = cache / "bench-replica-zip"
    if not (folder / "truth.json").is_file():
        write_replica(folder, seed=0, scale=1.0, make_zip=True)
    return folder / ZIP_NAME


def replica_times(cache: Path, times: int) -> Path:
    """`times` replicas side by side (seeds 0..times-1), hard-linked, seed k renumbered by k * SEQ_OFFSET."""
    if times == 1:
        return cached_replica(cache, seed=0, scale=1.0)[0]
    folder = cache / f"bench-replica-{times}x"
    if (folder / "complete").is_file():
        return folder
    for seed in range(times):
        source, _, _ = cached_replica(cache, seed=seed, scale=1.0)
        for path in sorted(source.glob("gtFine/*/*/*.json")):
            city, seq, rest = path.name.split("_", 2)
            assert int(seq) < SEQ_OFFSET, f"{path.name}: sequence number beyond the renumbering offset"
            target = folder / path.relative_to(source).parent / f"{city}_{int(seq) + seed * SEQ_OFFSET:06d}_{rest}"
            target.parent.mkdir(parents=True, exist_ok=True)
            if not target.exists():
                os.link(path, target)
    (folder / "complete").write_text("")
    return folder
