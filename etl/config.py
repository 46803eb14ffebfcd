"""Settings of a build, in one place. Every default a user may want to change lives here."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path

from .archive_budget import MAX_ARCHIVE_BYTES
from .layout import DATABASE_FILE  # noqa: F401  (layout.py owns the warehouse's file names)

DEFAULT_WAREHOUSE = Path("warehouse")

# Every worker pool (parsing, the pixel stage, the replica writer) starts its processes one way.
# Not fork: a build forks while its DuckDB connection and Arrow's thread pools are running, and a
# forked child inherits their locks in whatever state another thread left them (Python 3.12 warns
# of exactly this; 3.14 stops forking by default on Linux). Not forkserver either: its workers are
# the server's children, and the server outlives a killed build, so the workers did too (the
# die-with-parent signal follows the direct parent). spawn makes each worker a child of the build
# and pays one import of the package per worker. Like any spawn, it runs the caller's main module
# again in each worker: a script that builds in parallel needs the `if __name__ == "__main__":` guard.
START_METHOD = "spawn"


def worker_context() -> BaseContext:
    """The multiprocessing context every worker pool of the package uses (see START_METHOD)."""
    return multiprocessing.get_context(START_METHOD)


def available_cores() -> int:
    """The cores this process may run on: its CPU affinity (narrowed by taskset or a container) where
    the system reports it, else every core of the machine."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


@dataclass(frozen=True)
class Settings:
    """How a warehouse is written.

    parquet_compression / parquet_compression_level: zstd at its fastest level: level 3 wrote 38 % slower
    for files 3 % smaller.
    dictionary_columns: the columns worth dictionary-encoding (few distinct values). Trying it on
    every column, Parquet's default, costs time on unique ids, WKB and vertices for nothing.
    row_group_rows: rows per Parquet row group (small enough for readers to skip by statistics) and
    per DuckDB insert: DuckDB's own row group size, so each insert writes whole row groups as the
    batches come and the checkpoint at the end has no leftovers to compress.
    duckdb_memory_limit: what DuckDB may hold while a build writes its copies of the tables; it
    keeps the build's memory flat as the dataset grows. 128 MB took 90 MB off the peak of a build
    of twice the release (256 MB: 1,048 and 1,079 MB; 128 MB: 953 and 992 MB) at no measured cost
    in time; 64 MB doubled the CPU time of inserting `objects`.
    workers: processes that parse, measure and rasterise in parallel, and write the replica
    (default: the cores this process may use, at most 8).
    batch_files: files per batch sent to a worker: large enough to amortise the hand-over, small
    enough to keep both cores busy to the end and the bytes in flight few.
    parallel_min_files: below this many files one process is faster than starting workers.
    pixel_batch_images: images per pixel-stage batch: about 1 s of work on one core, fine-grained
    enough for progress and load balance, coarse enough that pickling a batch and folding its
    heatmap stay small. The last batches are smaller (pixels.stage.batch_bounds), so that the
    workers finish together.
    pixel_min_images: below this many images the pixel stage runs in one process: starting
    workers (~0.5 s) costs more than it saves.
    archive_bytes: what a build's processes together inflate from an archive at most (each entry
    is also capped on its own): an archive of very many entries cannot keep a build going for hours.
    """

    parquet_compression: str = "zstd"
    parquet_compression_level: int = 1
    dictionary_columns: frozenset[str] = frozenset(
        {"image_id", "split", "city", "label", "category", "base_label", "invalid_reason", "reason", "source_kind"}
    )
    row_group_rows: int = 122_880
    duckdb_memory_limit: str = "128MB"
    workers: int = field(default_factory=lambda: min(available_cores(), 8))
    batch_files: int = 100
    parallel_min_files: int = 400
    pixel_batch_images: int = 100
    pixel_min_images: int = 400
    archive_bytes: int = MAX_ARCHIVE_BYTES
