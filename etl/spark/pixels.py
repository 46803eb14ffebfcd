"""The pixel stage (`--pixels`) as Spark tasks: the built tables grouped by batches of images, each
batch rasterised by `pixels.pixel_tables`, the same pure function the DuckDB build runs.

An image's rows of `images`, `objects`, `polygons` and the rejects the official images still draw
(rejected.py) are gathered in one group by a key hashed from its image_id, so a group is a batch
of whole images; with `check_label_pngs` the label PNGs beside the polygon files (binaryFile)
join their image's group too. Each group's pixel tables leave the task as Arrow IPC, one row per
table (tasks.py's parts), and are written by the tasks as Parquet. What sums over images
(`class_heatmap`: per label and cell) is summed again across the groups in Spark. No row passes
through the driver, which learns counts only.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

import cv2
import pyarrow as pa
import pyarrow.compute as pc

from .. import reasons
from ..config import Settings
from ..layout import TABLES_DIR
from ..pixels import INPUT_COLUMNS, pixel_tables
from ..pixels.rejected import DRAWN_REASONS
from ..pixels.schemas import PIXEL_TABLES
from ..sources.base import MAX_FILE_BYTES, FileProblem
from ..sources.gtfine import LABEL_PNG_KINDS, POLYGON_SUFFIX
from .tasks import PARTS, PARTS_DDL, _ipc, decode, spark_schema

PNG_FILES = "*_gtFine_{" + ",".join(LABEL_PNG_KINDS) + "}.png"
PNG_NAME = r"(([a-z]+(?:_[a-z]+)*_[0-9]{6}_[0-9]{6})_gtFine_(" + "|".join(LABEL_PNG_KINDS) + r"))\.png$"
# (source_path of the polygon file beside it, kind, bytes): what a task needs of a label PNG
PNG_COLUMNS = ("source_path", "kind", "length", "content")
SUMMED = {"class_heatmap": ("label", "cell_x", "cell_y")}  # table -> its key; the rest is summed


def write_pixel_tables(
    spark, staging: Path, settings: Settings, images: int, source_root: str | None = None
) -> int | None:
    """Every pixel table under staging/tables/, from the tables already there.

    `source_root` (the gtFine folder as Spark spells it) asks for the label PNG comparison; returns
    how many images had label PNGs to compare, None when not asked.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    inputs = _inputs(spark, staging, source_root)
    compared = None
    if source_root is not None:
        compared = inputs["images"].join(inputs["pngs"].select("source_path").distinct(), "source_path").count()
    compare_pngs = source_root is not None

    # a function, not a partial: pyspark infers the kind of UDF from its type hints and fails on a partial
    def rasterise(group: pa.Table) -> pa.Table:
        return rasterise_group(settings, compare_pngs, group)

    groups = max(1, math.ceil(images / settings.pixel_batch_images))
    parts = _packed(inputs, groups).groupBy("batch").applyInArrow(rasterise, PARTS_DDL)
    parts = parts.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        for name in PIXEL_TABLES:
            rows = parts.where(F.col("table") == name).mapInArrow(partial(decode, name), spark_schema(name))
            if name in SUMMED:
                key = SUMMED[name]
                rows = rows.groupBy(*key).agg(*[F.sum(c).alias(c) for c in rows.columns if c not in key])
                rows = rows.select(*[F.col(f.name).cast(f.dataType) for f in spark_schema(name).fields])
            rows.write.option("compression", settings.parquet_compression).parquet(str(staging / TABLES_DIR / name))
    finally:
        parts.unpersist()
    return compared


def _inputs(spark, staging: Path, source_root: str | None) -> dict:
    """What the stage reads, by table, each with the image_id it is grouped by."""
    from pyspark.sql import functions as F

    def table(name: str):
        return spark.read.parquet(str(staging / TABLES_DIR / name)).select(*INPUT_COLUMNS[name])

    inputs = {
        "images": table("images"),
        "objects": table("objects"),
        # object_id is image_id#draw_order (tables.py), so a ring's image is known without a join
        "polygons": table("polygons").withColumn("image_id", F.regexp_extract("object_id", r"^(.*)#[0-9]+$", 1)),
        "rejects": table("rejects").where(
            F.col("reason").isin(*DRAWN_REASONS) & F.col("image_id").isNotNull() & F.col("draw_order").isNotNull()
        ),
    }
    if source_root is not None:
        inputs["pngs"] = _label_pngs(spark, source_root)
    return inputs


def _packed(inputs: dict, groups: int):
    """One frame of (batch, one struct column per table): each row carries one table's row."""
    from pyspark.sql import functions as F

    packed = None
    for name, frame in inputs.items():
        batch = F.pmod(F.xxhash64("image_id"), F.lit(groups)).alias("batch")
        one = frame.select(batch, F.struct(*INPUT_COLUMNS.get(name, PNG_COLUMNS)).alias(name))
        packed = one if packed is None else packed.unionByName(one, allowMissingColumns=True)
    return packed


def _label_pngs(spark, source_root: str):
    """The label PNGs of the gtFine folder: the source_path of their polygon file, kind, bytes."""
    from pyspark.sql import functions as F

    pngs = spark.read.format("binaryFile").option("recursiveFileLookup", "true")
    pngs = pngs.option("pathGlobFilter", PNG_FILES).load(source_root)
    folder = F.regexp_extract("path", r"([^/]+/[^/]+)/[^/]+$", 1)  # split/city, as the folder adapter reads it
    return pngs.select(
        F.concat(
            F.lit("gtFine/"), folder, F.lit("/"), F.regexp_extract("path", PNG_NAME, 2), F.lit(POLYGON_SUFFIX)
        ).alias("source_path"),
        F.regexp_extract("path", PNG_NAME, 3).alias("kind"),
        "length",
        "content",
        F.regexp_extract("path", PNG_NAME, 2).alias("image_id"),
    ).where(F.col("kind") != "")


def rasterise_group(settings: Settings, compare_pngs: bool, packed: pa.Table) -> pa.Table:
    """applyInArrow: one group's images rasterised as the DuckDB build does, its tables as parts."""
    # Spark runs a Python worker per core already; OpenCV's own threads would only contend with them
    cv2.setNumThreads(1)
    tables = {name: _rows(packed, name) for name in ("images", "objects", "polygons", "rejects")}
    label_pngs = _png_readers(_rows(packed, "pngs")) if compare_pngs else None
    pixels = pixel_tables(tables, workers=1, label_pngs=label_pngs, settings=settings)
    return pa.Table.from_pydict(
        {"table": list(pixels), "objects_read": [0] * len(pixels), "ipc": [_ipc(t) for t in pixels.values()]},
        PARTS,
    )


def _rows(packed: pa.Table, name: str) -> pa.Table:
    """The rows of one input table out of the group (each row of the group carries one table's row)."""
    column = packed.column(name).combine_chunks()
    return pa.Table.from_struct_array(column.filter(pc.is_valid(column)))


def _png_readers(pngs: pa.Table) -> dict[str, dict]:
    """Readers by polygon file and kind, as the folder adapter's label_pngs() gives them."""
    readers: dict[str, dict] = {}
    for row in pngs.to_pylist():
        readers.setdefault(row["source_path"], {})[row["kind"]] = partial(_read, row["length"], row["content"])
    return readers


def _read(length: int, content: bytes) -> bytes:
    if length > MAX_FILE_BYTES:  # as read_regular_file refuses it
        raise FileProblem(reasons.TOO_LARGE, f"{length} bytes, over the {MAX_FILE_BYTES} byte limit")
    return content
