"""Settings of a build, in one place. Every default a user may want to change lives here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_WAREHOUSE = Path("warehouse")
DATABASE_FILE = "warehouse.duckdb"


@dataclass(frozen=True)
class Settings:
    """How a warehouse is written.

    parquet_compression / parquet_compression_level: zstd at a low level compresses the repetitive
    coordinate columns well while keeping the write fast.
    row_group_rows: rows per Parquet row group, small enough for readers to skip by statistics.
    """

    parquet_compression: str = "zstd"
    parquet_compression_level: int = 3
    row_group_rows: int = 131_072
