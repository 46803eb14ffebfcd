"""Time the pixel stage on a built warehouse: `python -m cityscapes_warehouse.pixels.bench WAREHOUSE_DIR`.

Prints wall time and ms per image per core, for one process and for the worker pool, so the two
runs of the same process give the ratio. Never part of the tests: a time is not a pass/fail.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import cv2
import pyarrow.parquet as pq

from ..layout import native_path, table_dir
from .stage import pixel_tables


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--images", type=int, default=None, help="only the first N images")
    args = parser.parse_args()
    tables = {
        name: pq.read_table(native_path(table_dir(args.warehouse, name))) for name in ("images", "objects", "polygons")
    }
    if args.images:
        tables["images"] = tables["images"].slice(0, args.images)
    n = tables["images"].num_rows
    cores = len(os.sched_getaffinity(0))
    for workers in (1, cores):
        cv2.setNumThreads(1)  # one core per process, as in the pool, so per-core figures compare
        started = time.perf_counter()
        pixel_tables(tables, workers=workers)
        seconds = time.perf_counter() - started
        print(
            f"{n} images, {workers} process(es): {seconds:6.2f} s wall, "
            f"{seconds * 1000 / n:5.2f} ms/image wall, {seconds * workers * 1000 / n:5.2f} ms/image/core"
        )


if __name__ == "__main__":
    main()
