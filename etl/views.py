"""Create the warehouse's views (every `sql/` file, layer by layer) on a DuckDB connection."""

from __future__ import annotations

import duckdb

from .resources import sql_files


def create_views(con: duckdb.DuckDBPyConnection) -> int:
    """Create every view; return how many (never zero: sql_files raises when it finds none)."""
    paths = sql_files()
    for path in paths:
        try:
            con.execute(path.read_text())
        except duckdb.Error as exc:
            raise RuntimeError(f"{path.name}: {exc}") from exc
    return len(paths)
