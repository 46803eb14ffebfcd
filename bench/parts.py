"""What bounds a build: the build with its parts taken away in turn, beside the parse floor.

    .venv/bin/python bench/parts.py [--reps 3]

Each contender runs in its own process, one of each per round (this machine's speed drifts), and
the medians are printed with their ratio to the floor: the whole build; without the audit; without
DuckDB's copies of the tables (and the audit, which reads them); without the Parquet files; and
without all three, which leaves reading, parsing, measuring and handing the tables over. Figures,
never asserts; nothing is written to bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from run import machine, measure_interleaved

from cityscapes_warehouse.demo import cached_replica, default_cache


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    folder, _, _ = cached_replica(default_cache(), seed=0, scale=1.0)
    work = Path(tempfile.mkdtemp(prefix="csw-parts-"))
    print(f"SYNTHETIC replica, full scale: {folder}\nmachine: {machine()}", flush=True)
    contenders = {
        "parse floor": ("parse_floor", folder),
        "build": ("build", folder, work / "wh"),
        "without the audit": ("build_without", "audit", folder, work / "wh"),
        "without DuckDB's copies and the audit": ("build_without", "duckdb", folder, work / "wh"),
        "without the Parquet files": ("build_without", "parquet", folder, work / "wh"),
        "without all three": ("build_without", "audit,duckdb,parquet", folder, work / "wh"),
    }
    try:
        results = measure_interleaved(contenders, args.reps)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    floor = results["parse floor"]["seconds"]
    print("\n| job | median s | / floor |\n|---|---:|---:|")
    for name, result in results.items():
        print(f"| {name} | {result['seconds']:.2f} | {result['seconds'] / floor:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
