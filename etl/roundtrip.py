"""Rebuild the source files' object lists from the warehouse alone: the proof that nothing is lost.

The view `source_objects` (sql/marts) holds every object read, loaded or rejected, in draw order;
here each row only becomes the JSON object it was in its file.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path

import duckdb

from .layout import DATABASE_FILE, READ_ONLY_CONFIG, duckdb_path


def rebuild_objects(warehouse: str | PathLike) -> dict[str, list[dict]]:
    """source_path -> that file's `objects` list, in draw order, as far as the warehouse directory holds it."""
    with duckdb.connect(duckdb_path(Path(warehouse) / DATABASE_FILE), read_only=True, config=READ_ONLY_CONFIG) as con:
        rows = con.sql(
            "select source_path, label, vertices, raw from source_objects order by source_path, draw_order"
        ).fetchall()
    by_file: dict[str, list[dict]] = {}
    for path, label, vertices, raw in rows:
        if raw is not None:
            found = json.loads(raw)
        else:
            found = {"label": label, "polygon": [[v["x"], v["y"]] for v in vertices]}
        by_file.setdefault(path, []).append(found)
    return by_file
