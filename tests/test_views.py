"""The statistics views over the tiny dataset, row for row."""

from __future__ import annotations


def test_class_stats_counts_images_objects_and_splits(tiny_warehouse):
    got = tiny_warehouse.query("""
        select label, category, images, objects, objects_per_image, train_objects, val_objects, test_objects,
               area_px_mean, area_px_min, area_px_max
        from class_stats order by label""").rows()
    assert got == [
        ("car", "vehicle", 2, 2, 1.0, 1, 1, 0, 50.0, 0.0, 100.0),
        ("cargroup", "vehicle", 1, 1, 1.0, 1, 0, 0, 50.0, 50.0, 50.0),
        ("out of roi", "void", 2, 2, 1.0, 2, 0, 0, 4655.0, 4559.0, 4751.0),
        ("person", "human", 1, 1, 1.0, 1, 0, 0, 99.0, 99.0, 99.0),
        ("road", "flat", 1, 1, 1.0, 1, 0, 0, 100.0, 100.0, 100.0),
        ("sky", "sky", 1, 1, 1.0, 0, 1, 0, 1000.0, 1000.0, 1000.0),
    ]


def test_city_stats_counts_per_city(tiny_warehouse):
    got = tiny_warehouse.query("select * from city_stats").rows()
    assert got == [
        ("aachen", "train", 1, 3, 3.0, 3),
        ("bochum", "train", 1, 3, 3.0, 3),
        ("frankfurt", "val", 1, 2, 2.0, 2),
    ]


def test_split_stats_counts_per_split(tiny_warehouse):
    got = tiny_warehouse.query("select * from split_stats").rows()
    assert got == [("train", 2, 6, 2, 5), ("val", 1, 2, 1, 2)]


def test_class_city_stats_counts_per_label_and_city(tiny_warehouse):
    got = tiny_warehouse.query("select * from class_city_stats").rows()
    assert got == [
        ("car", "bochum", 1, 1),
        ("car", "frankfurt", 1, 1),
        ("cargroup", "aachen", 1, 1),
        ("out of roi", "aachen", 1, 1),
        ("out of roi", "bochum", 1, 1),
        ("person", "bochum", 1, 1),
        ("road", "aachen", 1, 1),
        ("sky", "frankfurt", 1, 1),
    ]


def test_objects_per_image_is_over_images_holding_the_label(tmp_path):
    from cityscapes_warehouse import Warehouse
    from conftest import write_folder

    square = [[0, 0], [4, 0], [4, 4]]
    files = {
        "gtFine/train/ulm/ulm_000000_000019_gtFine_polygons.json": [{"label": "car", "polygon": square}] * 3,
        "gtFine/train/ulm/ulm_000001_000019_gtFine_polygons.json": [{"label": "road", "polygon": square}],
    }
    wh, _ = Warehouse.build(write_folder(tmp_path / "src", files), tmp_path / "wh")
    assert wh.query("select objects_per_image from class_stats where label = 'car'").item() == 3.0


def test_stats_method_mirrors_the_views(tiny_warehouse):
    assert tiny_warehouse.stats("split").rows() == tiny_warehouse.query("select * from split_stats").rows()
