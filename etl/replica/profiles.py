"""How each class looks in the replica: size, vertical placement, vertex count, outline, draw order.

The object sizes (min / mean / max height and width in px) are the public per-class figures that
Dataset Ninja published for Cityscapes (class sizes table); the rest are hand-tuned guesses that
give hand-drawn looking polygons in the right part of a street scene. The order of `PROFILES` is
the painter's order: a file lists its objects sorted by this rank, so sky and road are drawn first,
small things later, and the frame of the camera (ego vehicle, rectification border, out of roi) last.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ClassProfile:
    label: str
    min_height_px: int
    mean_height_px: int
    max_height_px: int
    min_width_px: int
    mean_width_px: int
    max_width_px: int
    mean_vertices: int
    # Superellipse exponent of the outline: 2 is an ellipse, large values approach a box.
    squareness: float
    # Hand-drawn wobble: each vertex is pulled towards the centre by up to this fraction.
    wobble: float
    # Perspective: the top of the outline is narrower than the bottom by this fraction (roads).
    taper: float
    centre_y_px: int
    centre_y_sd_px: int
    # Spread of the log of the size; small where the published mean is close to the maximum.
    size_sigma: float = 0.85


FRAME_LABELS: tuple[str, ...] = ("ego vehicle", "rectification border", "out of roi")

# label, height min/mean/max, width min/mean/max, vertices, squareness, wobble, taper, centre y, sd, sigma
_ROWS = [
    ("sky", 7, 297, 618, 6, 887, 2048, 70, 4.0, 0.10, 0.0, 170, 70, 0.6),
    ("road", 5, 600, 951, 10, 1968, 2048, 160, 10.0, 0.03, 0.25, 780, 60, 0.2),
    ("sidewalk", 3, 193, 907, 7, 641, 2048, 70, 3.0, 0.08, 0.3, 720, 90, 0.8),
    ("parking", 6, 224, 642, 3, 568, 2048, 30, 3.0, 0.06, 0.3, 700, 80, 0.8),
    ("rail track", 9, 280, 739, 44, 873, 2048, 45, 3.0, 0.06, 0.4, 700, 80, 0.7),
    ("ground", 1, 151, 745, 2, 486, 2048, 40, 3.0, 0.10, 0.2, 690, 100, 0.9),
    ("terrain", 4, 82, 732, 8, 308, 2048, 40, 2.5, 0.15, 0.1, 610, 100, 0.9),
    ("building", 6, 409, 1024, 5, 771, 2048, 90, 6.0, 0.08, 0.0, 290, 110, 0.8),
    ("tunnel", 11, 174, 761, 33, 542, 2048, 35, 4.0, 0.06, 0.0, 330, 90, 0.8),
    ("bridge", 5, 147, 809, 8, 515, 2048, 30, 5.0, 0.05, 0.0, 240, 90, 0.8),
    ("wall", 5, 111, 916, 6, 319, 2048, 25, 6.0, 0.06, 0.0, 470, 80, 0.8),
    ("fence", 5, 110, 988, 3, 289, 2048, 30, 5.0, 0.08, 0.0, 490, 80, 0.8),
    ("guard rail", 13, 58, 475, 4, 208, 1194, 15, 6.0, 0.05, 0.0, 520, 60, 0.8),
    ("vegetation", 2, 249, 1024, 2, 320, 2048, 70, 2.5, 0.25, 0.0, 320, 140, 0.9),
    ("static", 2, 55, 938, 2, 50, 2048, 12, 4.0, 0.10, 0.0, 520, 110, 0.9),
    ("dynamic", 3, 83, 751, 4, 93, 1969, 16, 3.0, 0.12, 0.0, 520, 90, 0.9),
    ("pole", 2, 150, 944, 1, 24, 2048, 7, 8.0, 0.03, 0.0, 400, 100, 0.8),
    ("polegroup", 7, 67, 471, 4, 48, 612, 9, 6.0, 0.06, 0.0, 420, 80, 0.8),
    ("traffic light", 5, 44, 413, 3, 26, 2048, 7, 8.0, 0.04, 0.0, 300, 100, 0.8),
    ("traffic sign", 3, 37, 711, 3, 37, 1591, 6, 6.0, 0.04, 0.0, 320, 100, 0.8),
    ("cargroup", 6, 42, 661, 7, 72, 555, 40, 3.0, 0.12, 0.0, 470, 30, 0.9),
    ("truckgroup", 21, 21, 21, 16, 16, 16, 25, 4.0, 0.08, 0.0, 450, 30, 0.1),
    ("car", 4, 99, 1024, 2, 121, 1148, 32, 3.0, 0.07, 0.0, 520, 60, 0.85),
    ("truck", 12, 146, 888, 13, 164, 2048, 36, 5.0, 0.06, 0.0, 460, 60, 0.8),
    ("bus", 7, 145, 862, 9, 221, 1424, 36, 5.0, 0.06, 0.0, 460, 60, 0.8),
    ("train", 15, 196, 1024, 10, 395, 2048, 40, 5.0, 0.06, 0.0, 440, 60, 0.8),
    ("caravan", 22, 169, 959, 27, 169, 624, 30, 5.0, 0.06, 0.0, 480, 50, 0.7),
    ("trailer", 19, 139, 796, 32, 137, 370, 26, 5.0, 0.06, 0.0, 500, 50, 0.7),
    ("license plate", 3, 16, 540, 5, 50, 2048, 4, 12.0, 0.02, 0.0, 560, 70, 0.7),
    ("persongroup", 9, 58, 484, 6, 48, 494, 45, 2.5, 0.15, 0.0, 450, 40, 0.8),
    ("person", 6, 105, 915, 3, 45, 504, 30, 2.5, 0.15, 0.0, 490, 70, 0.8),
    ("ridergroup", 27, 92, 211, 16, 62, 162, 40, 2.5, 0.15, 0.0, 480, 40, 0.5),
    ("rider", 6, 113, 640, 6, 56, 401, 32, 2.5, 0.15, 0.0, 500, 70, 0.8),
    ("motorcyclegroup", 29, 104, 203, 56, 154, 257, 40, 3.0, 0.15, 0.0, 500, 40, 0.5),
    ("motorcycle", 5, 101, 559, 4, 94, 835, 32, 3.0, 0.12, 0.0, 540, 70, 0.8),
    ("bicyclegroup", 15, 87, 565, 15, 137, 930, 45, 3.0, 0.15, 0.0, 530, 60, 0.8),
    ("bicycle", 6, 88, 544, 3, 76, 678, 36, 3.0, 0.15, 0.0, 560, 80, 0.8),
    # The frame of the camera is drawn by dedicated shapes; only its size and rank matter here.
    ("ego vehicle", 180, 198, 228, 1758, 1856, 2024, 40, 2.0, 0.0, 0.0, 924, 0, 0.1),
    ("rectification border", 29, 266, 515, 11, 900, 1938, 8, 2.0, 0.0, 0.0, 512, 0, 0.1),
    ("out of roi", 1024, 1024, 1024, 2048, 2048, 2048, 13, 2.0, 0.0, 0.0, 512, 0, 0.1),
]

PROFILES: tuple[ClassProfile, ...] = tuple(ClassProfile(*row) for row in _ROWS)
LABEL_NAMES: tuple[str, ...] = tuple(p.label for p in PROFILES)
LABEL_INDEX: dict[str, int] = {name: i for i, name in enumerate(LABEL_NAMES)}
FRAME_INDICES: frozenset[int] = frozenset(LABEL_INDEX[name] for name in FRAME_LABELS)

EGO_VEHICLE = LABEL_INDEX["ego vehicle"]
RECTIFICATION_BORDER = LABEL_INDEX["rectification border"]
OUT_OF_ROI = LABEL_INDEX["out of roi"]


def _column(field: str) -> np.ndarray:
    return np.array([getattr(p, field) for p in PROFILES], dtype=np.float64)


# Columns indexed by label index, so one image's objects are sampled in a few array operations.
MIN_HEIGHT_PX = np.maximum(_column("min_height_px"), 3.0)
MEAN_HEIGHT_PX = _column("mean_height_px")
MAX_HEIGHT_PX = _column("max_height_px")
MIN_WIDTH_PX = np.maximum(_column("min_width_px"), 3.0)
MEAN_WIDTH_PX = _column("mean_width_px")
MAX_WIDTH_PX = _column("max_width_px")
MEAN_VERTICES = _column("mean_vertices")
SQUARENESS = _column("squareness")
WOBBLE = _column("wobble")
TAPER = _column("taper")
CENTRE_Y_PX = _column("centre_y_px")
CENTRE_Y_SD_PX = _column("centre_y_sd_px")
SIZE_SIGMA = _column("size_sigma")
