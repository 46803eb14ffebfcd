"""Rebuild the source files' object lists from the warehouse alone: the proof that nothing is lost.

Accepted objects come back from `polygons` (rings re-joined in order, so 'out of roi' is its
frame followed by its hole again); rejected ones from the raw JSON kept in `rejects`.
"""

from __future__ import annotations

import json
from os import PathLike
from pathlib import Path

import duckdb

from .layout import DATABASE_FILE

OBJECTS_WITH_VERTICES = """
select
    images.source_path,
    objects.draw_order,
    objects.label,
    flatten(list(polygons.vertices order by polygons.ring)) as vertices
from objects
inner join images using (image_id)
inner join polygons using (object_id)
group by all
"""


def rebuild_objects(warehouse: str | PathLike) -> dict[str, list[dict]]:
    """source_path -> that file's `objects` list, in draw order, as far as the warehouse directory holds it."""
    by_file: dict[str, dict[int, dict]] = {}
    with duckdb.connect(str(Path(warehouse) / DATABASE_FILE), read_only=True) as con:
        accepted = con.sql(OBJECTS_WITH_VERTICES).fetchall()
        rejected = con.sql("select source_path, draw_order, raw from rejects where draw_order is not null").fetchall()
    for path, order, label, vertices in accepted:
        polygon = [[v["x"], v["y"]] for v in vertices]
        by_file.setdefault(path, {})[order] = {"label": label, "polygon": polygon}
    for path, order, raw in rejected:
        by_file.setdefault(path, {})[order] = json.loads(raw)
    return {path: [objs[i] for i in sorted(objs)] for path, objs in sorted(by_file.items())}
