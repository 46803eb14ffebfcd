"""The statistics the report shows are views anyone can query; each checked on the tiny dataset
(conftest.TINY), where every figure is known by hand."""

from __future__ import annotations

import pytest

from cityscapes_warehouse.pixels import CELL_PX
from cityscapes_warehouse.report import report_connection


@pytest.fixture
def con(tiny_warehouse):
    # the report's connection: it also rasterises the pixel tables a build without --pixels lacks
    connection = report_connection(tiny_warehouse)
    yield connection
    connection.close()


def rows(con, sql: str) -> list[tuple]:
    return con.sql(sql).fetchall()


def test_warehouse_totals(con):
    assert rows(con, "select images, objects, labels, cities, splits, rejects from warehouse_totals") == [
        (3, 8, 6, 3, 2, 3)
    ]


def test_objects_per_image_per_split(con):
    assert rows(con, "select split, objects, images from objects_per_image") == [("train", 3, 2), ("val", 2, 1)]


def test_reject_stats_count_objects_and_whole_files(con):
    assert rows(con, "select reason, rejects, files from reject_stats order by reason") == [
        ("deleted", 1, 0),
        ("too_few_points", 1, 0),
        ("unknown_label", 1, 0),
    ]


def test_out_of_bounds_stats(con):
    assert rows(con, "select label, objects from out_of_bounds_stats") == [("person", 1)]


def test_invalid_reason_stats_drop_the_coordinates(con):
    assert rows(con, "select reason, objects, labels from invalid_reason_stats") == [("Self-intersection", 1, 1)]


def test_class_split_stats(con):
    assert rows(con, "select split, images, objects from class_split_stats where label = 'car' order by split") == [
        ("train", 1, 1),
        ("val", 1, 1),
    ]


def test_class_heatmap_density_is_coverage_over_every_image_and_cell_pixel(con):
    # the view's 32 is the pixel stage's cell size
    assert rows(
        con,
        f"select count(*) from class_heatmap_density "
        f"where abs(objects_per_px * 3 * {CELL_PX} * {CELL_PX} - coverage_px) > 1e-9",
    ) == [(0,)]
    assert rows(con, "select count(*) > 0 from class_heatmap_density") == [(True,)]


def test_class_visibility_aggregates_object_visibility(con):
    by_class = rows(con, "select label, objects, fully_hidden from class_visibility order by label")
    by_object = rows(
        con,
        "select label, count(*), count(*) filter (where is_fully_hidden) from object_visibility "
        "group by label order by label",
    )
    assert by_class == by_object and len(by_class) == 6
