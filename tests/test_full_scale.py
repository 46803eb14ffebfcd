"""End to end at full scale: the 5000-image replica, built, must report every published figure.

Every figure below is read from the warehouse views and compared with `published.py`, which holds
CITYSCAPES.md section 1; the fault counts are compared with the replica's truth.json.
The replica is cached between runs (keyed by replica version and seed), like `demo` does.
"""

from __future__ import annotations

import pytest

from cityscapes_warehouse import Warehouse, published
from cityscapes_warehouse.demo import cached_replica, default_cache

pytestmark = pytest.mark.full_scale


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    folder, truth, _ = cached_replica(default_cache(), seed=0, scale=1.0)
    wh, summary = Warehouse.build(folder, tmp_path_factory.mktemp("full") / "warehouse")
    return wh, summary, truth


def test_totals_equal_the_published_figures(full):
    wh, _, _ = full
    got = wh.query("""select (select count(*) from images), (select count(*) from objects),
                             (select count(*) from class_stats), (select count(*) from city_stats)""").row(0)
    expected = (published.TOTAL_IMAGES, published.TOTAL_OBJECTS, published.TOTAL_CLASSES, published.TOTAL_CITIES)
    assert got == expected


def test_split_stats_equal_the_published_figures(full):
    wh, _, _ = full
    got = {
        split: (images, objects)
        for split, images, objects in wh.query("select split, images, objects from split_stats").iter_rows()
    }
    assert got == {split: (f.images, f.objects) for split, f in published.SPLIT_FIGURES.items()}


def test_city_stats_equal_the_published_figures(full):
    wh, _, _ = full
    got = {
        city: (split, images)
        for city, split, images in wh.query("select city, split, images from city_stats").iter_rows()
    }
    assert got == {city: (f.split, f.images) for city, f in published.CITY_FIGURES.items()}


def test_class_stats_equal_the_published_figures(full):
    wh, _, _ = full
    got = {
        row[0]: row[1:]
        for row in wh.query(
            "select label, images, objects, train_objects, val_objects, test_objects from class_stats"
        ).iter_rows()
    }
    expected = {label: (f.images, f.objects, f.train, f.val, f.test) for label, f in published.CLASS_FIGURES.items()}
    assert got == expected


def test_test_split_holds_only_the_frame_labels(full):
    wh, _, _ = full
    labels = wh.query("""select distinct label from objects inner join images using (image_id)
                         where split = 'test'""")["label"].to_list()
    assert set(labels) == published.TEST_SPLIT_LABELS


def test_planted_faults_are_found_exactly(full):
    wh, summary, truth = full
    faults = truth["faults"]
    found = wh.query("""select count(*) filter (where not is_valid), count(*) filter (where out_of_bounds)
                        from objects""").row(0)
    assert found == (faults["self_intersecting"], faults["outside_border"])
    assert summary.rejects_by_reason == {
        "deleted": faults["deleted"],
        "too_few_points": faults["points_0"] + faults["points_1"] + faults["points_2"],
    }
    assert summary.objects_read == truth["raw_objects"]


def test_warehouse_is_labelled_synthetic(full):
    wh, _, _ = full
    assert wh.info()["synthetic"] is True
