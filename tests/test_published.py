from cityscapes_warehouse.labels import LABELS
from cityscapes_warehouse.published import (
    CITY_FIGURES,
    CLASS_FIGURES,
    SPLIT_FIGURES,
    SPLITS,
    TEST_SPLIT_LABELS,
    TOTAL_CITIES,
    TOTAL_CLASSES,
    TOTAL_IMAGES,
    TOTAL_OBJECTS,
)


def test_there_are_40_classes():
    assert len(CLASS_FIGURES) == TOTAL_CLASSES == 40


def test_there_are_27_cities():
    assert len(CITY_FIGURES) == TOTAL_CITIES == 27


def test_every_class_is_a_known_label():
    assert set(CLASS_FIGURES) <= set(LABELS)


def test_split_images_sum_to_total_images():
    assert sum(s.images for s in SPLIT_FIGURES.values()) == TOTAL_IMAGES


def test_split_objects_sum_to_total_objects():
    assert sum(s.objects for s in SPLIT_FIGURES.values()) == TOTAL_OBJECTS


def test_city_images_sum_to_their_split_images():
    for split in SPLITS:
        city_images = sum(c.images for c in CITY_FIGURES.values() if c.split == split)
        assert city_images == SPLIT_FIGURES[split].images, split


def test_class_split_objects_sum_to_class_objects():
    for name, figures in CLASS_FIGURES.items():
        assert figures.train + figures.val + figures.test == figures.objects, name


def test_class_objects_per_split_sum_to_split_objects():
    for split in SPLITS:
        assert sum(c.objects_in(split) for c in CLASS_FIGURES.values()) == SPLIT_FIGURES[split].objects


def test_class_objects_sum_to_total_objects():
    assert sum(c.objects for c in CLASS_FIGURES.values()) == TOTAL_OBJECTS


def test_no_class_is_in_more_images_than_it_has_objects_or_than_exist():
    for name, figures in CLASS_FIGURES.items():
        assert 1 <= figures.images <= min(figures.objects, TOTAL_IMAGES), name


def test_only_the_frame_labels_have_test_objects():
    assert {name for name, c in CLASS_FIGURES.items() if c.test > 0} == TEST_SPLIT_LABELS


def test_frame_labels_are_one_per_image_in_every_split():
    for name in ("ego vehicle", "out of roi"):
        figures = CLASS_FIGURES[name]
        assert figures.images == figures.objects == TOTAL_IMAGES
        for split in SPLITS:
            assert figures.objects_in(split) == SPLIT_FIGURES[split].images
