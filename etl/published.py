"""The figures Dataset Ninja published for Cityscapes gtFine (5000 images), as plain data.

This is the single source of those numbers: the expectation suites check the warehouse against
them and the synthetic replica is generated to match them. "Objects" are polygon objects with at
least 3 points that are not deleted, which is how Dataset Ninja counted them.
"""

from __future__ import annotations

from dataclasses import dataclass

SPLITS: tuple[str, ...] = ("train", "val", "test")

TOTAL_IMAGES = 5000
TOTAL_OBJECTS = 287540
TOTAL_CLASSES = 40
TOTAL_CITIES = 27

IMAGE_WIDTH_PX = 2048
IMAGE_HEIGHT_PX = 1024

# The test split's annotations are withheld: its images carry only the frame of the camera.
TEST_SPLIT_LABELS: frozenset[str] = frozenset({"ego vehicle", "out of roi", "rectification border"})


@dataclass(frozen=True)
class SplitFigures:
    images: int
    objects: int


@dataclass(frozen=True)
class CityFigures:
    split: str
    images: int


@dataclass(frozen=True)
class ClassFigures:
    """Images holding the class, its objects, and its objects in each split."""

    images: int
    objects: int
    train: int
    val: int
    test: int

    def objects_in(self, split: str) -> int:
        return {"train": self.train, "val": self.val, "test": self.test}[split]


SPLIT_FIGURES: dict[str, SplitFigures] = {
    "train": SplitFigures(images=2975, objects=235751),
    "val": SplitFigures(images=500, objects=46823),
    "test": SplitFigures(images=1525, objects=4966),
}

_CITY_IMAGES = {
    "train": {
        "aachen": 174,
        "bochum": 96,
        "bremen": 316,
        "cologne": 154,
        "darmstadt": 85,
        "dusseldorf": 221,
        "erfurt": 109,
        "hamburg": 248,
        "hanover": 196,
        "jena": 119,
        "krefeld": 99,
        "monchengladbach": 94,
        "strasbourg": 365,
        "stuttgart": 196,
        "tubingen": 144,
        "ulm": 95,
        "weimar": 142,
        "zurich": 122,
    },
    "val": {"frankfurt": 267, "lindau": 59, "munster": 174},
    "test": {"berlin": 544, "bielefeld": 181, "bonn": 46, "leverkusen": 58, "mainz": 298, "munich": 398},
}

CITY_FIGURES: dict[str, CityFigures] = {
    city: CityFigures(split=split, images=images)
    for split, cities in _CITY_IMAGES.items()
    for city, images in cities.items()
}

# class: images, objects, train objects, val objects, test objects
_CLASS_ROWS = [
    ("pole", 3441, 52748, 42904, 9844, 0),
    ("static", 3445, 47221, 38431, 8790, 0),
    ("car", 3309, 31824, 27156, 4668, 0),
    ("traffic sign", 3284, 24976, 20868, 4108, 0),
    ("person", 2728, 21417, 17997, 3420, 0),
    ("vegetation", 3377, 17787, 15058, 2729, 0),
    ("traffic light", 1952, 11899, 10238, 1661, 0),
    ("sidewalk", 3286, 8357, 7140, 1217, 0),
    ("building", 3425, 8305, 7144, 1161, 0),
    ("rectification border", 1844, 7376, 4392, 1068, 1916),
    ("license plate", 2405, 6289, 5424, 865, 0),
    ("terrain", 2034, 5072, 4459, 613, 0),
    ("ego vehicle", 5000, 5000, 2975, 500, 1525),
    ("out of roi", 5000, 5000, 2975, 500, 1525),
    ("bicycle", 1869, 4908, 3732, 1176, 0),
    ("dynamic", 1631, 4254, 3492, 762, 0),
    ("road", 3419, 3616, 3118, 498, 0),
    ("sky", 3145, 3421, 2943, 478, 0),
    ("fence", 1495, 2839, 2467, 372, 0),
    ("rider", 1278, 2363, 1807, 556, 0),
    ("ground", 1348, 2151, 1839, 312, 0),
    ("cargroup", 1153, 2055, 1895, 160, 0),
    ("wall", 1177, 1979, 1626, 353, 0),
    ("parking", 833, 1216, 1064, 152, 0),
    ("persongroup", 578, 1069, 927, 142, 0),
    ("bicyclegroup", 628, 1049, 816, 233, 0),
    ("motorcycle", 604, 890, 740, 150, 0),
    ("truck", 443, 582, 489, 93, 0),
    ("bus", 351, 483, 385, 98, 0),
    ("bridge", 255, 414, 392, 22, 0),
    ("polegroup", 264, 364, 309, 55, 0),
    ("train", 167, 194, 171, 23, 0),
    ("rail track", 117, 132, 113, 19, 0),
    ("trailer", 85, 89, 76, 13, 0),
    ("guard rail", 20, 80, 78, 2, 0),
    ("caravan", 67, 69, 61, 8, 0),
    ("tunnel", 25, 29, 29, 0, 0),
    ("ridergroup", 11, 13, 11, 2, 0),
    ("motorcyclegroup", 8, 9, 9, 0, 0),
    ("truckgroup", 1, 1, 1, 0, 0),
]

CLASS_FIGURES: dict[str, ClassFigures] = {
    name: ClassFigures(images, objects, train, val, test) for name, images, objects, train, val, test in _CLASS_ROWS
}
