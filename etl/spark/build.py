"""`build --engine spark`: the warehouse written by Spark tasks, audited in Spark SQL, then published.

The annotation files are read by Spark (binaryFile), parsed and measured by Python tasks with the
package's own functions (tasks.py), and written as Spark part files under WH/tables/<table>/, so
the object rows never pass through the driver. With `pixels`, the same tasks rasterise the images
they have just parsed (pixels.py). The driver writes what is small (labels, build_info, the pixel
tables empty when they are not asked for) and, last, warehouse.duckdb from the Parquet files, so the
result is the same warehouse a DuckDB build gives. Write-audit-publish is kept: everything goes
to a staging folder beside `out`, the required suites run on it in Spark SQL, and only then is it
swapped in atomically. `out` must therefore be a path the driver and every executor see (local
mode, a shared file system, /dbfs/ on Databricks).
"""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .. import reasons, schemas
from ..build import STRICT_EXAMPLES, BuildSummary, StrictError, _build_info
from ..checks.runner import quote
from ..config import Settings
from ..formats import open_source
from ..layout import DATABASE_FILE, TABLES_DIR, table_files
from ..pixels import PIXEL_TABLES, empty_pixel_tables
from ..publish import check_out, check_out_outside_source, publish, staging_dir
from ..table_writer import create_table, open_database
from ..tables import labels_table
from ..views import create_views
from ..warehouse import WarehouseError
from .audit import SparkAuditError, audit_in_spark
from .files import JSON_GLOB, SHOWN, binary_files, unreadable_by_spark
from .pixels import png_columns, summed, with_label_pngs
from .register import register
from .session import spark_session
from .tasks import PARSED_TABLES, PARTS_DDL, decode, parse_copies, parse_files
from .types import spark_schema

FILE_NAME_ID = r"([a-z]+(?:_[a-z]+)*_[0-9]{6}_[0-9]{6})_gtFine_polygons\.json$"
OPEN_COST_BYTES = 256 * 1024  # what a file counts for beyond its size when files are split into tasks
TASKS_PER_CORE = 3  # enough for the cores to share the files evenly, few enough to start quickly


class SparkBuildError(WarehouseError):
    """The Spark build cannot read this source or produce what was asked."""


def build_on_spark(
    source: str | Path,
    out: str | Path,
    spark=None,
    settings: Settings | None = None,
    expect_published: bool = False,
    strict: bool = False,
    pixels: bool = False,
    check_label_pngs: bool = False,
) -> BuildSummary:
    """The same warehouse as `build`, with the parse-and-measure step (and, with `pixels`, the pixel
    stage) as Spark tasks.

    `spark`: the session to run in (spark-submit's or a notebook's); None takes the active one or
    starts a local one. `check_label_pngs` (implies `pixels`) compares the label PNGs beside the
    polygon files with the official rasterisation, as the DuckDB build does.
    """
    started = time.perf_counter()
    settings, out = settings or Settings(), Path(out)
    pixels = pixels or check_label_pngs
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise SparkBuildError(
            "--engine spark needs the [spark] extra: pip install 'cityscapes-warehouse[spark]' (and Java 17+)"
        ) from exc
    check_out(out)  # before reading a single source file: a folder that is not a warehouse is refused
    src = open_source(source)
    check_out_outside_source(out, src.location)
    if src.kind != "gtfine-folder":
        raise SparkBuildError(
            f"{source}: the Spark build reads the extracted gtFine folder, whose files Spark spreads over "
            f"its tasks, not a {src.kind} (one archive file cannot be split across tasks); extract it first "
            "(unzip -q gtFine_trainvaltest.zip -d DIR, then build DIR/gtFine), or build it with --engine duckdb"
        )
    unreadable = unreadable_by_spark(src)
    if unreadable:
        raise SparkBuildError(
            f"{source}: {len(unreadable)} file(s) Spark cannot read as the folder adapter does (a name "
            "hidden from Hadoop, holding ':' or '%' or not UTF-8; a link to nothing or back into the folder; "
            f"not a regular file, or empty), e.g. {', '.join(unreadable[:SHOWN])}; rename or remove them, or "
            "build with --engine duckdb, which rejects each with its reason"
        )
    spark = spark or spark_session()
    staging = staging_dir(out.resolve())
    try:
        (staging / TABLES_DIR).mkdir(parents=True)
        options = {"pixels": pixels, "check_label_pngs": check_label_pngs}
        folders = (src.root.resolve().as_uri(), Path(src.location).resolve().as_uri())
        tally = _write_parsed_tables(spark, *folders, staging, settings, **options)
        summary = BuildSummary(
            out=out,
            source=str(source),
            source_kind=src.kind,
            synthetic=src.synthetic,
            files_read=tally["files"],
            images=tally["images"],
            objects=tally["objects"],
            objects_read=tally["objects_read"],
            rejects_by_reason=tally["rejects"],
            pixels=pixels,
            label_pngs_compared=tally["label_pngs_compared"],
        )
        if strict and summary.faults_by_reason:  # as the DuckDB build: the release's conventions pass
            from pyspark.sql import functions as F

            rejects = spark.read.parquet(str(staging / TABLES_DIR / "rejects"))
            faults = rejects.where(~F.col("reason").isin(sorted(reasons.CONVENTIONS)))
            raise StrictError(summary, [row.asDict() for row in faults.limit(STRICT_EXAMPLES).collect()])
        summary.seconds = time.perf_counter() - started
        small = {"labels": labels_table(), "build_info": _build_info(summary)}
        if not pixels:
            small.update(empty_pixel_tables())
        for name, table in small.items():
            _write_small(staging, name, table, settings)
        _tidy(staging)
        register(spark, staging)
        summary.checks = audit_in_spark(spark, expect_published)
        if summary.checks.failures():
            raise SparkAuditError(summary.checks)
        _write_database(staging, settings)
        publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _write_parsed_tables(
    spark, root: str, folder: str, staging: Path, settings: Settings, pixels: bool, check_label_pngs: bool
) -> dict:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    qualified = _qualified(spark, root)
    # the files of `folder` (the gtFine folder, or the split or city folder asked for), placed from `root`
    files = binary_files(spark, folder, JSON_GLOB).withColumn("image_id", F.regexp_extract("path", FILE_NAME_ID, 1))
    if check_label_pngs:
        files = with_label_pngs(spark, files, folder)
    columns = ["path", "length", "content", *png_columns(check_label_pngs)]
    # copies of one image must meet in one task, so every file whose image occurs twice or more goes
    # to one task (they are few); which ones is known from the paths alone, without reading content
    copied = files.select("image_id").where("image_id != ''").groupBy("image_id").count().where("count > 1")
    copied_ids = copied.select("image_id")
    single = files.join(F.broadcast(copied_ids), "image_id", "left_anti").select(*columns)
    copies = files.join(F.broadcast(copied_ids), "image_id", "left_semi").select(*columns)
    task = partial(parse_files, qualified, pixels=settings if pixels else None)
    copies_task = partial(parse_copies, qualified, pixels=settings if pixels else None)
    with _session_conf(spark, _read_conf(spark, settings)):
        parts = single.mapInArrow(task, PARTS_DDL).unionByName(copies.coalesce(1).mapInArrow(copies_task, PARTS_DDL))
        # on disk only: kept in the JVM's heap as well, the parts of 4x the replica (20,000 files) and
        # the Parquet writers' buffers ran a local[2] session out of its 1 GB heap
        parts = parts.persist(StorageLevel.DISK_ONLY)
        for name in [*PARSED_TABLES, *(PIXEL_TABLES if pixels else ())]:
            rows = parts.where(F.col("table") == name).mapInArrow(partial(decode, name), spark_schema(name))
            rows = summed(rows, name)
            rows.write.option("compression", settings.parquet_compression).parquet(str(staging / TABLES_DIR / name))
        counts = parts.agg(F.sum("objects_read"), F.sum("label_pngs_compared")).collect()[0]
        parts.unpersist()
    read = partial(_read_table, spark, staging)
    rejects = Counter({row["reason"]: row["count"] for row in read("rejects").groupBy("reason").count().collect()})
    return {
        "files": files.count(),
        "images": read("images").count(),
        "objects": read("objects").count(),
        "objects_read": counts[0] or 0,
        "label_pngs_compared": (counts[1] or 0) if check_label_pngs else None,
        "rejects": dict(sorted(rejects.items())),
    }


def _read_conf(spark, settings: Settings) -> dict[str, str]:
    """How the annotation files are read into tasks: batches of `batch_files` between the JVM and
    Python, and about three tasks per core.

    By Spark's defaults each file counts as 4 MB more than it holds (its guess of the cost of
    opening one), so 5,000 files of 130 kB made 161 tasks per step on 2 cores: each table then
    written as 161 small Parquet files, every step paying 161 task starts. Here a file counts
    OPEN_COST_BYTES more, and the files are split into at least three tasks per core (still at
    most spark.sql.files.maxPartitionBytes each), so a large source still gets many tasks.
    """
    return {
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(settings.batch_files),
        "spark.sql.files.openCostInBytes": str(OPEN_COST_BYTES),
        "spark.sql.files.minPartitionNum": str(TASKS_PER_CORE * spark.sparkContext.defaultParallelism),
    }


@contextmanager
def _session_conf(spark, conf: dict[str, str]) -> Iterator[None]:
    """`conf` set in the session for the duration, then what was there before put back."""
    previous = {key: spark.conf.get(key, None) for key in conf}  # None: not set in the session
    for key, value in conf.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def _read_table(spark, staging: Path, name: str):
    return spark.read.parquet(str(staging / TABLES_DIR / name))


def _qualified(spark, root: str) -> str:
    """The folder as Spark spells the paths of its files (file:/..., hdfs://...)."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(root)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    return fs.makeQualified(path).toString().rstrip("/")


def _write_small(staging: Path, name: str, table: pa.Table, settings: Settings) -> None:
    folder = staging / TABLES_DIR / name
    folder.mkdir()
    pq.write_table(table, folder / "part-0.parquet", compression=settings.parquet_compression)


def _tidy(staging: Path) -> None:
    """Only Parquet files in the warehouse: Hadoop's checksums and _SUCCESS markers go."""
    for path in (staging / TABLES_DIR).rglob("*"):
        if path.is_file() and not path.name.endswith(".parquet"):
            path.unlink()


def _write_database(staging: Path, settings: Settings) -> None:
    """warehouse.duckdb from the Parquet files, as the DuckDB build writes it: the same tables (types,
    compression, row groups), then views, in the storage format of the oldest DuckDB the package declares."""
    con = open_database(staging / DATABASE_FILE, {}, settings.row_group_rows)
    try:
        for name, schema in schemas.TABLES.items():
            create_table(con, name, schema)
            # the files as a parameter, not spelled into the SQL: a quote or a glob character in the
            # output's path broke the statement, at the very end of a Spark build
            files = [str(path) for path in table_files(staging, name)]
            con.execute(f"insert into {quote(name)} by name select * from read_parquet(?)", [files])
        create_views(con)
        con.execute("checkpoint")
    finally:
        con.close()
