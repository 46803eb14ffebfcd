"""Benchmark: `build --engine spark` (local mode) against the DuckDB build, at 1x and several times the replica.

    .venv/bin/python bench/spark.py [--times 1 2 4] [--master local[2]] [--pixels]

Nx is N replicas side by side (seeds 0..N-1, images renumbered so that they form one release).
Each build runs as its own process; the peak memory is the largest sum of the resident memory of
the process and all its descendants (Spark's JVM and Python workers), sampled every 0.2 s. The
Spark parse step is also timed alone (files read, parsed and measured in tasks, nothing written),
for its throughput per core. With --pixels, both builds are run again with the pixel stage
(`build --pixels`), whose rasterisation Spark runs in its parse tasks. The Spark figures
include starting the session, which a cluster job pays once. Figures, never asserts. The results
are written to bench/SPARK.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from processes import run_measured
from replicas import replica_times

HERE = Path(__file__).resolve().parent


def run_job(*args: str) -> dict:
    """One job in its own process, its peak tree memory sampled from here."""
    done, peak_mb = run_measured([sys.executable, str(Path(__file__).resolve()), "job", *map(str, args)], 0.2)
    if done.returncode != 0:
        raise RuntimeError(f"bench job {args} failed (exit {done.returncode})")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_mb"] = round(peak_mb)
    print(f"  {' '.join(map(str, args[:2]))}: {result}", flush=True)
    return result


def job(kind: str, source: str, out: str, master: str = "local[2]") -> dict:
    pixels = kind.endswith("-pixels")
    kind = kind.removesuffix("-pixels")
    if kind == "duckdb":
        from cityscapes_warehouse import Warehouse

        started = time.perf_counter()
        _, summary = Warehouse.build(source, out, pixels=pixels)
        return {
            "seconds": time.perf_counter() - started,
            "files": summary.files_read,
            "images": summary.images,
            "objects": summary.objects,
        }
    from cityscapes_warehouse.spark.session import spark_session

    started = time.perf_counter()
    spark = spark_session(master)
    spark.sparkContext.setLogLevel("ERROR")
    session_seconds = time.perf_counter() - started
    if kind == "spark-parse":
        return parse_only(spark, source) | {"session_seconds": session_seconds}
    from cityscapes_warehouse.spark.build import build_on_spark

    summary = build_on_spark(source, out, spark, pixels=pixels)
    return {
        "seconds": time.perf_counter() - started,
        "session_seconds": session_seconds,
        "files": summary.files_read,
        "images": summary.images,
        "objects": summary.objects,
    }


def parse_only(spark, source: str) -> dict:
    """The parse-and-measure step alone: binaryFile -> mapInArrow(parse_files), its output only counted."""
    from functools import partial

    from cityscapes_warehouse.sources import open_source
    from cityscapes_warehouse.spark.build import _qualified
    from cityscapes_warehouse.spark.tasks import PARTS_DDL, parse_files

    root = open_source(source).root.resolve().as_uri()
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "100")
    files = spark.read.format("binaryFile").option("recursiveFileLookup", "true").option("pathGlobFilter", "*.json")
    files = files.load(root).select("path", "length", "content")
    started = time.perf_counter()
    parts = files.mapInArrow(partial(parse_files, _qualified(spark, root)), PARTS_DDL)
    encoded = parts.selectExpr("sum(length(ipc))").collect()[0][0]
    seconds = time.perf_counter() - started
    n_files = files.count()
    cores = spark.sparkContext.defaultParallelism
    return {
        "seconds": seconds,
        "files": n_files,
        "cores": cores,
        "files_per_s_per_core": n_files / seconds / cores,
        "arrow_bytes": encoded,
    }


def main() -> int:
    from cityscapes_warehouse.demo import default_cache

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--times", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--cache", type=Path, default=default_cache())
    parser.add_argument("--pixels", action="store_true", help="also both builds with the pixel stage")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="csw-bench-spark-"))
    rows = []
    for times in args.times:
        source = replica_times(args.cache, times)
        print(f"{times}x: {source}", flush=True)
        rows.append(
            {
                "times": times,
                "duckdb": run_job("duckdb", source, work / f"duck-{times}"),
                "spark": run_job("spark", source, work / f"spark-{times}", args.master),
                "parse": run_job("spark-parse", source, work / "unused", args.master),
            }
        )
        if args.pixels:
            rows[-1]["duckdb-pixels"] = run_job("duckdb-pixels", source, work / f"duck-pixels-{times}")
            rows[-1]["spark-pixels"] = run_job("spark-pixels", source, work / f"spark-pixels-{times}", args.master)
    subprocess.run(["rm", "-rf", str(work)], check=False)
    text = report(rows, args.master, args.pixels)
    print(text)
    (HERE / "SPARK.md").write_text(text)
    return 0


def report(rows: list[dict], master: str, pixels: bool = False) -> str:
    command = f"--times {' '.join(str(r['times']) for r in rows)} --master {master}" + (" --pixels" if pixels else "")
    lines = [
        "# Spark local mode against the DuckDB build (SYNTHETIC replica)",
        "",
        f"`.venv/bin/python bench/spark.py {command}`,"
        f" {os.cpu_count()} cores. One run each; Spark's time includes starting its session.",
        "",
        "| replica | files | DuckDB build s | DuckDB peak MB | Spark build s | of which session s | Spark peak MB "
        "| Spark / DuckDB time | Spark parse step s | files/s per core |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        d, s, p = r["duckdb"], r["spark"], r["parse"]
        lines.append(
            f"| {r['times']}x | {d['files']:,} | {d['seconds']:.1f} | {d['peak_mb']:,} | {s['seconds']:.1f} "
            f"| {s['session_seconds']:.1f} | {s['peak_mb']:,} | {s['seconds'] / d['seconds']:.1f} "
            f"| {p['seconds']:.1f} | {p['files_per_s_per_core']:.0f} |"
        )
    if pixels:
        lines += [
            "",
            "With the pixel stage (`--pixels`):",
            "",
            "| replica | images | DuckDB build s | DuckDB peak MB | Spark build s | Spark peak MB "
            "| Spark / DuckDB time |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for r in rows:
            d, s = r["duckdb-pixels"], r["spark-pixels"]
            lines.append(
                f"| {r['times']}x | {d['images']:,} | {d['seconds']:.1f} | {d['peak_mb']:,} | {s['seconds']:.1f} "
                f"| {s['peak_mb']:,} | {s['seconds'] / d['seconds']:.1f} |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["job"]:
        print(json.dumps(job(*sys.argv[2:])))
    else:
        sys.exit(main())
