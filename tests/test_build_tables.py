"""The tables built from the tiny dataset, row for row."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.labels import LABELS
from cityscapes_warehouse.layout import table_files
from cityscapes_warehouse.schemas import TABLES

AACHEN = "aachen_000000_000019"
BOCHUM = "bochum_000001_000019"
FRANKFURT = "frankfurt_000000_000294"


def rows(wh: Warehouse, sql: str) -> list[tuple]:
    return wh.query(sql).rows()


def test_images_have_one_row_per_file_with_split_city_and_counts(tiny_warehouse):
    assert rows(tiny_warehouse, "select * from images order by image_id") == [
        (AACHEN, "train", "aachen", 0, 19, 100, 50, f"gtFine/train/aachen/{AACHEN}_gtFine_polygons.json", 3, 2),
        (BOCHUM, "train", "bochum", 1, 19, 100, 50, f"gtFine/train/bochum/{BOCHUM}_gtFine_polygons.json", 3, 0),
        (
            FRANKFURT,
            "val",
            "frankfurt",
            0,
            294,
            100,
            50,
            f"gtFine/val/frankfurt/{FRANKFURT}_gtFine_polygons.json",
            2,
            1,
        ),
    ]


def test_objects_keep_draw_order_and_measure_geometry(tiny_warehouse):
    got = rows(
        tiny_warehouse,
        """
        select object_id, draw_order, label, n_vertices, n_holes, exterior_area_px, area_px,
               round(perimeter_px, 3), x_min, y_min, x_max, y_max, bbox_width_px, bbox_height_px,
               round(centroid_x, 3), round(centroid_y, 3), is_valid, out_of_bounds, roi_frame_missing
        from objects order by object_id""",
    )
    assert got == [
        (f"{AACHEN}#0", 0, "road", 4, 0, 100.0, 100.0, 40.0, 0, 0, 10, 10, 11, 11, 5.0, 5.0, True, False, False),
        (
            f"{AACHEN}#1",
            1,
            "cargroup",
            3,
            0,
            50.0,
            50.0,
            34.142,
            20,
            20,
            30,
            30,
            11,
            11,
            23.333,
            23.333,
            True,
            False,
            False,
        ),
        (
            f"{AACHEN}#4",
            4,
            "out of roi",
            9,
            1,
            4851.0,
            4751.0,
            336.0,
            0,
            0,
            99,
            49,
            100,
            50,
            50.226,
            24.7,
            True,
            False,
            False,
        ),
        (f"{BOCHUM}#0", 0, "car", 4, 0, 0.0, 0.0, 48.284, 0, 0, 10, 10, 11, 11, 5.0, 5.0, False, False, False),
        (f"{BOCHUM}#1", 1, "person", 4, 0, 99.0, 99.0, 40.0, 90, 40, 101, 49, 12, 10, 95.5, 44.5, True, True, False),
        (
            f"{BOCHUM}#2",
            2,
            "out of roi",
            4,
            0,
            4559.0,
            4559.0,
            288.0,
            1,
            1,
            98,
            48,
            98,
            48,
            49.5,
            24.5,
            True,
            False,
            True,
        ),
        (f"{FRANKFURT}#0", 0, "sky", 4, 0, 1000.0, 1000.0, 140.0, 0, 0, 50, 20, 51, 21, 25.0, 10.0, True, False, False),
        (f"{FRANKFURT}#1", 1, "car", 4, 0, 100.0, 100.0, 40.0, 10, 30, 20, 40, 11, 11, 15.0, 35.0, True, False, False),
    ]


def test_self_intersecting_polygon_is_invalid_with_geos_reason(tiny_warehouse):
    assert rows(tiny_warehouse, "select object_id, invalid_reason from objects where not is_valid") == [
        (f"{BOCHUM}#0", "Self-intersection[5 5]"),
    ]


def test_objects_carry_label_table_attributes(tiny_warehouse):
    got = rows(
        tiny_warehouse,
        """
        select label, label_id, train_id, category, has_instances, ignore_in_eval, is_group, base_label
        from objects where image_id = 'aachen_000000_000019' order by draw_order""",
    )
    assert got == [
        ("road", 7, 0, "flat", False, False, False, "road"),
        ("cargroup", 26, 13, "vehicle", True, False, True, "car"),
        ("out of roi", 3, 255, "void", False, True, False, "out of roi"),
    ]


def test_out_of_roi_becomes_polygon_with_hole(tiny_warehouse):
    got = rows(
        tiny_warehouse,
        f"""
        select ring, n_vertices, [[v.x, v.y] for v in vertices]
        from polygons where object_id = '{AACHEN}#4' order by ring""",
    )
    assert got == [
        (0, 5, [[0, 0], [99, 0], [99, 49], [0, 49], [0, 0]]),
        (1, 4, [[10, 10], [20, 10], [20, 20], [10, 20]]),
    ]


def test_polygons_keep_vertices_exactly_as_drawn(tiny_warehouse):
    got = rows(tiny_warehouse, f"select [[v.x, v.y] for v in vertices] from polygons where object_id = '{BOCHUM}#1'")
    assert got == [([[90, 40], [101, 40], [101, 49], [90, 49]],)]


def test_rejects_name_file_object_and_reason(tiny_warehouse):
    got = rows(tiny_warehouse, "select source_path, image_id, draw_order, label, reason, raw from rejects order by all")
    assert [(r[1], r[2], r[3], r[4]) for r in got] == [
        (AACHEN, 2, "car", "too_few_points"),
        (AACHEN, 3, "person", "deleted"),
        (FRANKFURT, 2, "spaceship", "unknown_label"),
    ]
    assert json.loads(got[0][5]) == {"label": "car", "polygon": [[1, 1], [2, 2]]}
    assert got[2][0] == f"gtFine/val/frankfurt/{FRANKFURT}_gtFine_polygons.json"


def test_objects_plus_rejects_equal_objects_read(tiny_warehouse):
    info = tiny_warehouse.info()
    sql = "select (select count(*) from objects), (select count(*) from rejects)"
    n_objects, n_rejects = rows(tiny_warehouse, sql)[0]
    assert (n_objects, n_rejects, info["objects_read"]) == (8, 3, 11)


def test_labels_table_holds_official_and_crowd_labels(tiny_warehouse):
    got = dict(rows(tiny_warehouse, "select label, color_hex from labels"))
    assert len(got) == len(LABELS) == 41
    assert got["cargroup"] == got["car"] == "#00008e"
    assert {"unlabeled", "license plate", "polegroup", "truckgroup"} <= got.keys()


def test_zip_and_folder_give_the_same_tables(tmp_path, tiny_folder, tiny_zip):
    from_folder, _ = Warehouse.build(tiny_folder, tmp_path / "a")
    from_zip, summary = Warehouse.build(tiny_zip, tmp_path / "b")
    assert summary.source_kind == "gtfine-zip"
    for table in ("images", "objects", "polygons", "rejects", "labels"):
        assert from_zip.table(table).collect().equals(from_folder.table(table).collect()), table


def test_object_ids_are_stable_when_the_same_source_is_rebuilt(tmp_path, tiny_folder):
    first, _ = Warehouse.build(tiny_folder, tmp_path / "w")
    ids = first.table("objects").select("object_id").collect()
    second, _ = Warehouse.build(tiny_folder, tmp_path / "w")
    assert second.table("objects").select("object_id").collect().equals(ids)


def test_objects_parquet_has_geoparquet_metadata_without_crs(tiny_warehouse):
    meta = pq.read_schema(table_files(tiny_warehouse.path, "objects")[0]).metadata
    geo = json.loads(meta[b"geo"])
    column = geo["columns"][geo["primary_column"]]
    assert (column["encoding"], column["crs"], column["bbox"]) == ("WKB", None, [0, 0, 101, 49])


def test_wkb_geometry_reads_back_as_the_polygon(tiny_warehouse):
    import shapely

    wkb = tiny_warehouse.query(f"select geometry from objects where object_id = '{AACHEN}#4'").item()
    polygon = shapely.from_wkb(wkb)
    assert (polygon.area, len(polygon.interiors)) == (4751.0, 1)


@pytest.mark.parametrize("table", ["images", "objects", "polygons", "labels", "rejects", "build_info"])
def test_parquet_files_are_zstd_compressed(tiny_warehouse, table):
    meta = pq.ParquetFile(table_files(tiny_warehouse.path, table)[0]).metadata
    assert meta.row_group(0).column(0).compression == "ZSTD"


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_parquet_file_reads_back_with_its_declared_schema(tiny_warehouse, table):
    read = pq.read_schema(table_files(tiny_warehouse.path, table)[0])
    assert read.remove_metadata().equals(TABLES[table].remove_metadata())


def test_parquet_and_duckdb_hold_the_same_rows_in_the_same_order(tmp_path, tiny_folder):
    from cityscapes_warehouse.config import Settings

    # row groups of 2 rows: the tables are written in many flushes, as a full-size build writes them
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh", settings=Settings(row_group_rows=2))
    for table in ("images", "objects", "polygons", "rejects"):
        parquet = pq.read_table(table_files(wh.path, table)[0])
        metadata = pq.ParquetFile(table_files(wh.path, table)[0]).metadata
        groups = [metadata.row_group(i).num_rows for i in range(metadata.num_row_groups)]
        # whole row groups as the rows come, whatever the batches' sizes; only the last may be short
        assert len(groups) > 1 and set(groups[:-1]) == {2} and groups[-1] in (1, 2), table
        assert wh.query(f"select * from {table}").to_arrow().to_pylist() == parquet.to_pylist(), table


@pytest.mark.parametrize("row_group_rows", [131_072, 3], ids=["rows still buffered", "rows already written"])
def test_build_with_pixels_rasterises_every_image_and_object(tmp_path, tiny_folder, row_group_rows):
    from cityscapes_warehouse.config import Settings

    wh, _ = Warehouse.build(
        tiny_folder, tmp_path / "wh", pixels=True, settings=Settings(row_group_rows=row_group_rows, workers=1)
    )
    counts = rows(
        wh,
        """select (select count(*) from images), (select count(*) from image_coverage),
                                (select count(*) from objects), (select count(*) from object_visible_area)""",
    )
    images, covered, objects, visible = counts[0]
    assert objects > 3  # with row groups of 3, every batch was written before the pixel stage read it
    assert (covered, visible) == (images, objects)
