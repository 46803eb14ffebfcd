"""One benchmark job per process: `python bench/jobs.py JOB ARGS...` prints one JSON line.

Each job measures its own wall time and peak RSS (its own, plus its largest worker process), so
the orchestrator (bench/run.py) can run every contender the same way.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


def _files(folder: str) -> list[Path]:
    return sorted(Path(folder).glob("gtFine/*/*/*_gtFine_polygons.json"))


def parse_floor(folder: str) -> dict:
    """The physical floor: read every polygon file and parse it with orjson, nothing else."""
    import orjson

    objects = 0
    for path in _files(folder):
        objects += len(orjson.loads(path.read_bytes())["objects"])
    return {"objects": objects}


def simdjson_floor(folder: str) -> dict:
    """The same with simdjson, the parser a build reads clean gtFine files with: not the floor of the
    targets (that stays orjson's, as the issue set it), but what a build's own parsing costs alone."""
    import simdjson

    parser, objects = simdjson.Parser(), 0
    for path in _files(folder):
        objects += len(parser.parse(path.read_bytes())["objects"])
    return {"objects": objects}


def naive(folder: str, out: str) -> dict:
    """What a user would write first: json.load, a shapely Polygon per object, pandas to Parquet."""
    import pandas as pd
    from shapely.geometry import Polygon

    rows = []
    for path in _files(folder):
        with open(path) as f:
            doc = json.load(f)
        for order, obj in enumerate(doc["objects"]):
            if len(obj["polygon"]) < 3 or obj.get("deleted"):
                continue
            poly = Polygon(obj["polygon"])
            rows.append(
                {
                    "file": path.name,
                    "draw_order": order,
                    "label": obj["label"],
                    "area": poly.area,
                    "bounds": list(poly.bounds),
                    "is_valid": poly.is_valid,
                }
            )
    pd.DataFrame(rows).to_parquet(out)
    return {"objects": len(rows)}


def duckdb_alone(folder: str) -> dict:
    """DuckDB reading the JSON directly: unnest the objects and count them per label."""
    import duckdb

    pattern = str(Path(folder) / "gtFine/*/*/*_gtFine_polygons.json")
    con = duckdb.connect()
    columns = "{'objects': 'struct(label varchar, polygon integer[][])[]'}"
    rows = con.sql(f"""
        select o.label, count(*) as objects
        from (select unnest(objects) as o
              from read_json('{pattern}', maximum_object_size=67108864, columns={columns}))
        where len(o.polygon) >= 3
        group by all""").fetchall()
    return {"objects": sum(n for _, n in rows)}


def build(source: str, out: str) -> dict:
    from cityscapes_warehouse import Warehouse

    _, summary = Warehouse.build(source, out)
    return {"objects": summary.objects}


def build_without(parts: str, source: str, out: str) -> dict:
    """A build with parts of it taken away, to measure what each costs (`bench/parts.py`): `parts`
    names them, comma-separated: `audit`, `duckdb` (the tables' copies in warehouse.duckdb; the audit
    goes with them, as it reads them) and `parquet` (the Parquet files). What it writes is incomplete."""
    from cityscapes_warehouse import Warehouse, table_writer
    from cityscapes_warehouse import build as pipeline

    left_out = set(parts.split(","))
    if left_out & {"audit", "duckdb"}:
        pipeline.audit = lambda *args, **kwargs: None
    if "duckdb" in left_out:
        run_soon = table_writer.DatabaseThread.run_soon  # every insert of rows goes this way

        def no_inserts(self, call, *args):
            return None if str(args[-1]).startswith("insert into") else run_soon(self, call, *args)

        table_writer.DatabaseThread.run_soon = no_inserts
    if "parquet" in left_out:
        table_writer.TableWriter._written = lambda self, name: None
        init = table_writer.TableWriter.__init__

        def without_parquet_threads(self, *args):
            init(self, *args)
            self._parquet_threads = _NoParquet()

        table_writer.TableWriter.__init__ = without_parquet_threads
    _, summary = Warehouse.build(source, out)
    return {"objects": summary.objects}


class _NoParquet:
    """In place of the Parquet writers' threads: every row group is dropped."""

    def submit(self, *args):
        return None

    def shutdown(self, **kwargs):
        return None


def build_pixels(source: str, out: str) -> dict:
    """`build --pixels`: the build and the pixel stage in one process, as a user runs them."""
    from cityscapes_warehouse import Warehouse

    _, summary = Warehouse.build(source, out, pixels=True)
    return {"objects": summary.objects}


def views(warehouse: str, repeats: str = "20") -> dict:
    """Each statistics view, warm: the median of repeated full reads on one read-only connection."""
    import statistics

    from cityscapes_warehouse import Warehouse

    con = Warehouse(warehouse).connect()
    timings = {}
    for view in ("class_stats", "city_stats", "split_stats", "class_city_stats"):
        con.sql(f"select * from {view}").fetchall()  # warm
        runs = []
        for _ in range(int(repeats)):
            started = time.perf_counter()
            con.sql(f"select * from {view}").fetchall()
            runs.append(time.perf_counter() - started)
        timings[view] = statistics.median(runs)
    return {"views_ms": {k: round(v * 1000, 2) for k, v in timings.items()}}


def validate(warehouse: str) -> dict:
    from cityscapes_warehouse import Warehouse

    report = Warehouse(warehouse).validate()
    return {"passed": report.passed}


def pixels(warehouse: str) -> dict:
    """The pixel stage alone, over the tables of a built warehouse."""
    import pyarrow.parquet as pq

    from cityscapes_warehouse.layout import table_dir
    from cityscapes_warehouse.pixels import INPUT_COLUMNS, pixel_tables

    # as a build reads them: the columns the stage needs, rejects included (two-point and group
    # objects the official images draw come from there); and as a build hands them over, keeping
    # no reference (popped from the list), so that the stage frees them once its layout is built
    folder = Path(warehouse)
    tables = {name: pq.read_table(table_dir(folder, name), columns=list(cols)) for name, cols in INPUT_COLUMNS.items()}
    handed_over = [tables]
    del tables
    images = handed_over[0]["images"].num_rows
    started = time.perf_counter()
    out = pixel_tables(handed_over.pop())
    ms = (time.perf_counter() - started) * 1000 / images
    return {"images": images, "ms_per_image": round(ms, 2), "rows": out["image_coverage"].num_rows}


JOBS = {
    f.__name__: f
    for f in (
        parse_floor,
        simdjson_floor,
        naive,
        duckdb_alone,
        build,
        build_without,
        build_pixels,
        views,
        validate,
        pixels,
    )
}

if __name__ == "__main__":
    job, *args = sys.argv[1:]
    started = time.perf_counter()
    result = JOBS[job](*args)
    result["seconds"] = time.perf_counter() - started  # memory is measured from outside: run.py
    print(json.dumps(result))
