"""What Spark's Python workers run: annotation files in, the warehouse's tables out, as Arrow.

The same pure functions as the DuckDB build (batches.parse_batch: parse, measure, cast to the
schemas; with the pixel stage, pixels.pixel_tables on what was just parsed: see pixels.py), fed
from Spark's binaryFile rows instead of a source adapter. A task's tables travel as Arrow IPC
bytes, one row per table, so one pass of parsing gives every table; they are decoded into rows by
the tasks that write each table. Nothing here runs on the driver.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from urllib.parse import unquote

import pyarrow as pa

from ..batches import parse_batch
from ..config import Settings
from ..pixels.schemas import PIXEL_TABLES
from ..schemas import TABLES
from ..sources.base import SourceFile, size_problem
from ..sources.gtfine import _place
from .pixels import pixel_parts

PARSED_TABLES = ("images", "objects", "polygons", "rejects")
# one row per table of a batch; the counts are on its `images` row (label_pngs_compared: images
# whose label PNGs were compared, null when not asked)
PARTS = pa.schema(
    [
        ("table", pa.string()),
        ("objects_read", pa.int64()),
        ("label_pngs_compared", pa.int64()),
        ("ipc", pa.binary()),
    ]
)
PARTS_DDL = "`table` string, objects_read long, label_pngs_compared long, ipc binary"


def source_file(root: str, path: str, length: int, content: bytes | None) -> SourceFile:
    """A binaryFile row as the gtFine folder adapter would give it (same source_path, split, city, rejects)."""
    rel = PurePosixPath(unquote(path[len(root) :].lstrip("/")))
    split, city, problem = _place(str(rel))
    too_large = size_problem(length)
    if too_large:
        problem, content = too_large, None
    return SourceFile(f"gtFine/{rel}", split, city, rel.name, content, problem)


def parse_files(
    root: str, batches: Iterator[pa.RecordBatch], pixels: Settings | None = None
) -> Iterator[pa.RecordBatch]:
    """mapInArrow: each batch of (path, length, content[, label PNGs]) rows parsed and measured as one
    batch; with `pixels` (the build's settings), its images rasterised too."""
    for batch in batches:
        if batch.num_rows:
            yield _parsed(root, batch.to_pydict(), pixels)


def parse_copies(
    root: str, batches: Iterator[pa.RecordBatch], pixels: Settings | None = None
) -> Iterator[pa.RecordBatch]:
    """mapInArrow over the one partition holding every file whose name occurs more than once:
    all parsed as one batch in source order (the folder adapter's, path part by path part), so the
    first copy of an image wins and later ones are rejected, as the DuckDB build decides."""
    batches = [batch for batch in batches if batch.num_rows]
    if batches:
        rows = pa.Table.from_batches(batches).to_pydict()
        order = sorted(range(len(rows["path"])), key=lambda i: rows["path"][i].split("/"))
        yield _parsed(root, {name: [values[i] for i in order] for name, values in rows.items()}, pixels)


def _parsed(root: str, rows: dict[str, list], pixels: Settings | None) -> pa.RecordBatch:
    files = [source_file(root, *row) for row in zip(rows["path"], rows["length"], rows["content"], strict=True)]
    tables, objects_read, _ = parse_batch(files)
    names, compared = list(PARSED_TABLES), None
    if pixels is not None:
        pixel_tables, compared = pixel_parts(tables, pixels, [file.source_path for file in files], rows)
        tables = {**tables, **pixel_tables}
        names += PIXEL_TABLES
    return pa.RecordBatch.from_pydict(
        {
            "table": names,
            "objects_read": [objects_read if name == "images" else 0 for name in names],
            "label_pngs_compared": [compared if name == "images" else None for name in names],
            "ipc": [_ipc(tables[name]) for name in names],
        },
        PARTS,
    )


def _ipc(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    table = table.replace_schema_metadata(None)
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode(table: str, parts: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """mapInArrow: the rows of one table out of the parts that carry it."""
    for batch in parts:
        for ipc in batch.column("ipc").to_pylist():
            yield from pa.ipc.open_stream(ipc).read_all().cast(TABLES[table]).to_batches()
