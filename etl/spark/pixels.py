"""The pixel stage (`--pixels`) in the parse tasks: each batch of files, once parsed, rasterised there.

A batch of annotation files holds whole images (every object and ring of an image comes from its
one file, and the copies of an image meet in one task), and `pixels.pixel_tables` is a pure
function of an image's rows. So each parse task runs the DuckDB build's own function on the
tables it has just made, and the pixel tables leave the task with them: the object rows are never
read back, shuffled or collected. What sums over images (`class_heatmap`: per label and cell) is
summed again across the tasks in Spark. With `check_label_pngs`, the label PNGs beside each
polygon file (binaryFile) are joined to its row, as the folder adapter's readers would give them.
"""

from __future__ import annotations

from functools import partial

import cv2
import pyarrow as pa

from ..config import Settings
from ..pixels import INPUT_COLUMNS, pixel_tables
from ..sources.base import FileProblem, size_problem
from ..sources.gtfine import LABEL_PNG_KINDS, POLYGON_SUFFIX
from .files import binary_files

SUMMED = {"class_heatmap": ("label", "cell_x", "cell_y")}  # table -> its key; the rest is summed


def png_column(kind: str) -> str:
    return f"{kind}_png"


def with_label_pngs(spark, files, root: str):
    """`files` (binaryFile rows of polygon files) with each one's label PNGs: bytes and length by kind."""
    from pyspark.sql import functions as F

    for kind in LABEL_PNG_KINDS:
        suffix = f"_gtFine_{kind}.png"
        pngs = binary_files(spark, root, f"*{suffix}").select(
            F.concat(F.expr(f"substring(path, 1, length(path) - {len(suffix)})"), F.lit(POLYGON_SUFFIX)).alias("path"),
            F.col("content").alias(png_column(kind)),
            F.col("length").alias(png_column(kind) + "_length"),
        )
        files = files.join(pngs, "path", "left")
    return files


def png_columns(compare: bool) -> list[str]:
    return [c for kind in LABEL_PNG_KINDS for c in (png_column(kind), png_column(kind) + "_length")] if compare else []


def pixel_parts(
    tables: dict[str, pa.Table], settings: Settings, source_paths: list[str], rows: dict[str, list]
) -> tuple[dict[str, pa.Table], int | None]:
    """The pixel tables of one parsed batch, and how many of its images had label PNGs (None: not asked).

    `rows` are the batch's binaryFile rows, with the PNG columns when they are compared;
    `source_paths` the source_path of each row.
    """
    # Spark runs a Python worker per core already; OpenCV's own threads would only contend with them
    cv2.setNumThreads(1)
    label_pngs = _readers(source_paths, rows) if png_column(LABEL_PNG_KINDS[0]) in rows else None
    inputs = {name: tables[name].select(list(columns)) for name, columns in INPUT_COLUMNS.items()}
    pixels = pixel_tables(inputs, workers=1, label_pngs=label_pngs, settings=settings)
    compared = None
    if label_pngs is not None:
        compared = sum(path in label_pngs for path in inputs["images"]["source_path"].to_pylist())
    return pixels, compared


def _readers(source_paths: list[str], rows: dict[str, list]) -> dict[str, dict]:
    """Readers by polygon file and kind, as the folder adapter's label_pngs() gives them."""
    readers: dict[str, dict] = {}
    for i, source_path in enumerate(source_paths):
        for kind in LABEL_PNG_KINDS:
            length = rows[png_column(kind) + "_length"][i]
            if length is not None:  # a PNG beside the file; its content null when over the limit (files.py)
                readers.setdefault(source_path, {})[kind] = partial(_read, length, rows[png_column(kind)][i])
    return readers


def _read(length: int, content: bytes) -> bytes:
    problem = size_problem(length)  # as read_regular_file refuses it
    if problem:
        raise FileProblem(*problem)
    return content


def summed(rows, table: str):
    """The rows of a table the tasks wrote per batch, summed across batches when it is a sum over images."""
    from pyspark.sql import functions as F

    from .types import spark_schema

    if table not in SUMMED:
        return rows
    key = SUMMED[table]
    rows = rows.groupBy(*key).agg(*[F.sum(c).alias(c) for c in rows.columns if c not in key])
    return rows.select(*[F.col(f.name).cast(f.dataType) for f in spark_schema(table).fields])
