"""Settings of a build, in one place. Every default a user may want to change lives here."""

from __future__ import annotations

import multiprocessing
import os
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext
from pathlib import Path

import pyarrow as pa

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


# The codecs pyarrow writes Parquet with ("none": uncompressed).
PARQUET_CODECS = ("zstd", "snappy", "gzip", "brotli", "lz4", "none")


def codec_takes_level(codec: str) -> bool:
    """Whether `codec` takes a compression level: pyarrow refuses one for snappy and none."""
    return codec != "none" and pa.Codec.supports_compression_level(codec)


@dataclass(frozen=True)
class Settings:
    """How a warehouse is written.

    parquet_compression / parquet_compression_level: zstd at its fastest level: level 3 wrote 38 % slower
    for files 3 % smaller. Any of PARQUET_CODECS; the level is ignored by a codec without levels
    (snappy, none).
    dictionary_columns: the columns worth dictionary-encoding (few distinct values). Trying it on
    every column, Parquet's default, costs time on unique ids, WKB and vertices for nothing.
    row_group_rows: rows per Parquet row group and per DuckDB insert, and the DuckDB file's own row
    group size, so each insert writes whole row groups as the batches come. DuckDB's is a whole
    number of its 2,048-row vectors (a size between two is rounded up: the same rows, but its row
    groups then differ from Parquet's). What is left when the last batch is in (the row group still
    buffered, and the one DuckDB is inserting) is written after the workers, on one core for DuckDB:
    a build of the replica closed its writer in 0.46-0.58 s with DuckDB's default of 122,880 rows,
    in 0.10-0.15 s with 40,960 (its 287,540 objects leave 820 rows for the last row group; with
    32,768, 25,396 rows, 0.30-0.41 s). On 2 cores a whole build is no faster for it (bench/ab.py, two
    runs of eight pairs: 4.34 -> 4.38 s and 3.89 -> 3.85 s; the work moves onto cores the workers
    used, 2-3 % more CPU), but its peak is 30-45 MB lower, the tail shorter where more cores wait on
    it, and readers get more row groups to share out. The files are 3 % larger.
    duckdb_memory_limit: what DuckDB may hold while a build writes its copies of the tables; it
    keeps the build's memory flat as the dataset grows. 128 MB took 90 MB off the peak of a build
    of twice the release (256 MB: 1,048 and 1,079 MB; 128 MB: 953 and 992 MB) at no measured cost
    in time; 64 MB doubled the CPU time of inserting `objects`.
    Every count is a whole number of 1 or more, and the two thresholds (parallel_min_files,
    pixel_min_images) 0 or more; the dataclass refuses anything else when it is made (ValueError), so a
    bad value fails where it is written, not in a worker thread or a loop that never ends.
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
    row_group_rows: int = 40_960
    duckdb_memory_limit: str = "128MB"
    workers: int = field(default_factory=lambda: min(available_cores(), 8))
    batch_files: int = 100
    parallel_min_files: int = 400
    pixel_batch_images: int = 100
    pixel_min_images: int = 400
    archive_bytes: int = MAX_ARCHIVE_BYTES

    def __post_init__(self) -> None:
        for name in _POSITIVE_COUNTS:
            _check_whole_number(name, getattr(self, name), 1)
        for name in _THRESHOLDS:
            _check_whole_number(name, getattr(self, name), 0)
        _check_compression(self.parquet_compression, self.parquet_compression_level)
        # a plain string would pass `column in ...` as a substring test and encode the wrong columns
        if not isinstance(self.dictionary_columns, (set, frozenset)) or not all(
            isinstance(column, str) for column in self.dictionary_columns
        ):
            raise ValueError(
                f"Settings.dictionary_columns must be a set of column names, got {self.dictionary_columns!r}"
            )
        limit = self.duckdb_memory_limit
        if not isinstance(limit, str) or not limit.strip():
            raise ValueError(f"Settings.duckdb_memory_limit must be a size DuckDB reads, e.g. '128MB', got {limit!r}")


# Sizes of a batch, a row group or a pool: 0 divides by zero, or a batch of 0 never advances.
_POSITIVE_COUNTS = ("row_group_rows", "workers", "batch_files", "pixel_batch_images", "archive_bytes")
# Below these a stage runs in one process; 0 runs it in parallel whatever its size.
_THRESHOLDS = ("parallel_min_files", "pixel_min_images")


def _check_whole_number(name: str, value: object, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ValueError(f"Settings.{name} must be a whole number, {least} or more, got {value!r}")


def _check_compression(codec: object, level: object) -> None:
    written = [c for c in PARQUET_CODECS if c == "none" or pa.Codec.is_available(c)]
    if codec not in written:
        raise ValueError(f"Settings.parquet_compression must be one of {', '.join(written)}, got {codec!r}")
    if isinstance(level, bool) or not isinstance(level, int):
        raise ValueError(f"Settings.parquet_compression_level must be a whole number, got {level!r}")
    if codec_takes_level(codec):
        # outside its range, gzip fails only when a writer thread first compresses a row group
        least, most = pa.Codec.minimum_compression_level(codec), pa.Codec.maximum_compression_level(codec)
        if not least <= level <= most:
            raise ValueError(
                f"Settings.parquet_compression_level must be from {least} to {most} for {codec}, got {level!r}"
            )
