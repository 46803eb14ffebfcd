"""The Dataset Ninja parity views (sql/dn) over the tiny dataset, and over the full replica.

Until "dn" joins SQL_LAYERS the warehouse file has no dn views: `report_connection` creates them,
with the pixel tables, on its own in-memory connection.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cityscapes_warehouse.report import dn_sql_files, report_connection

REFERENCE = Path(__file__).resolve().parents[2] / "shared/reference/dataset-ninja-cityscapes"
DN_FILES = dn_sql_files()


def rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.fixture
def dn(tiny_warehouse):
    con = report_connection(tiny_warehouse)
    yield con
    con.close()


def test_there_are_the_six_dn_views():
    assert [p.stem for p in DN_FILES] == [
        "dn_class_balance",
        "dn_class_sizes",
        "dn_classes_per_image",
        "dn_cooccurrence",
        "dn_objects_distribution",
        "object_visibility",
    ]


@pytest.mark.parametrize("path", DN_FILES, ids=lambda p: p.name)
def test_dn_file_has_a_header_and_creates_its_view(path):
    text = path.read_text()
    assert text.startswith(f"-- {path.stem}: one row per")
    assert re.findall(r"create or replace view (\w+)", text) == [path.stem]
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    assert "select * from final" in body and "/" not in "".join(re.findall(r"'([^']*)'", body))


def test_class_balance_counts_images_objects_and_mean_covered_area(dn):
    got = rows(dn, "select * from dn_class_balance")
    # road: square (0,0)-(10,10) = 11 x 11 px of 100 x 50; sky: (0,0)-(50,20) = 51 x 21 px
    assert [r[:4] for r in got] == [
        ("car", 2, 2, 1.0),
        ("cargroup", 1, 1, 1.0),
        ("out of roi", 2, 2, 1.0),
        ("person", 1, 1, 1.0),
        ("road", 1, 1, 1.0),
        ("sky", 1, 1, 1.0),
    ]
    areas = {r[0]: r[4] for r in got}
    assert areas["road"] == 2.42 and areas["sky"] == 21.42


def test_classes_per_image_has_every_label_for_every_image(dn):
    assert rows(dn, "select count(*), count(distinct image_id), count(distinct label) from dn_classes_per_image") == [
        (18, 3, 6)
    ]
    # frankfurt: sky 1071 px + car 121 px, disjoint, of 5000 px
    assert rows(
        dn,
        """select label, objects, covered_pct, unlabeled_pct, image from dn_classes_per_image
                       where image_id = 'frankfurt_000000_000294' and objects > 0""",
    ) == [
        ("car", 1, 2.42, 76.16, "frankfurt_000000_000294_leftImg8bit.png"),
        ("sky", 1, 21.42, 76.16, "frankfurt_000000_000294_leftImg8bit.png"),
    ]


def test_cooccurrence_diagonal_is_images_holding_the_label(dn):
    diagonal = dict(rows(dn, "select label_a, images from dn_cooccurrence where label_a = label_b"))
    assert diagonal == dict(rows(dn, "select label, images from dn_class_balance"))
    assert rows(dn, "select images from dn_cooccurrence where label_a = 'car' and label_b = 'out of roi'") == [(1,)]
    assert rows(
        dn,
        "select count(*) from dn_cooccurrence a join dn_cooccurrence b "
        "on a.label_a = b.label_b and a.label_b = b.label_a where a.images <> b.images",
    ) == [(0,)]


def test_objects_distribution_counts_images_with_exactly_k(dn):
    assert rows(dn, "select k, images from dn_objects_distribution where label = 'car'") == [(0, 1), (1, 2)]
    assert rows(dn, "select distinct sum(images) over (partition by label) from dn_objects_distribution") == [(3,)]


def test_class_sizes_use_the_exterior_and_inclusive_extents(dn):
    assert rows(dn, "select * from dn_class_sizes where label = 'road'") == [
        ("road", 1, 2.0, 2.0, 2.0, 11, 22.0, 11, 22.0, 11, 22.0, 11, 11.0, 11, 11.0, 11, 11.0)
    ]
    # out of roi: the 5-point frame alone, holes ignored: 99 * 49 px of 5000
    assert rows(dn, "select max_area_pct from dn_class_sizes where label = 'out of roi'") == [(97.02,)]


def test_object_visibility_keeps_the_opencv_figures_under_their_names(dn):
    # aachen: out of roi (drawn last) leaves only its hole (10..20, 10..20) uncovered, so of the road
    # square (0..10) only the pixel (10, 10) shows, and of the cargroup triangle only (20, 20)
    got = rows(
        dn,
        """select label, opencv_mask_area_px, opencv_visible_area_px from object_visibility
                      where image_id = 'aachen_000000_000019' order by draw_order""",
    )
    assert got == [("road", 121, 1), ("cargroup", 66, 1), ("out of roi", 4879, 4879)]


def test_object_visibility_is_that_of_the_official_label_image(dn):
    # the road is the only object of label 7 in aachen, so its pixels in cityscapesScripts' own
    # labelIds image are its visible area; drawn alone, its mask area
    from cityscapesscripts.helpers.annotation import Annotation
    from cityscapesscripts.preparation.json2labelImg import createLabelImage

    from conftest import TINY, gtfine_text

    objects = [
        o for o in TINY["gtFine/train/aachen/aachen_000000_000019_gtFine_polygons.json"] if len(o["polygon"]) > 1
    ]

    def road_pixels(objects: list[dict]) -> int:
        annotation = Annotation()
        annotation.fromJsonText(gtfine_text(objects))
        return int((np.asarray(createLabelImage(annotation, "ids")) == 7).sum())

    got = rows(
        dn, "select mask_area_px, visible_area_px from object_visibility where object_id = 'aachen_000000_000019#0'"
    )
    assert got == [(road_pixels(objects[:1]), road_pixels(objects))]
    assert got[0][1] not in (0, got[0][0])  # partly hidden: the comparison is not trivial


@pytest.mark.full_scale
def test_class_balance_counts_equal_the_published_table(tmp_path_factory):
    if not (REFERENCE / "class_balance.json").is_file():
        pytest.skip(f"Dataset Ninja's published statistics are not at {REFERENCE}")
    from cityscapes_warehouse import Warehouse
    from cityscapes_warehouse.demo import cached_replica, default_cache

    folder, _, _ = cached_replica(default_cache(), seed=0, scale=1.0)
    wh, _ = Warehouse.build(folder, tmp_path_factory.mktemp("dn") / "warehouse")
    published = json.loads((REFERENCE / "class_balance.json").read_text())
    assert published["columns"][:4] == ["Class", "Images", "Objects", "Count on image"]
    con = report_connection(wh)
    got = rows(con, "select label, images, objects, count_on_image from dn_class_balance order by label")
    con.close()
    assert got == sorted(tuple(row[:4]) for row in published["data"])
