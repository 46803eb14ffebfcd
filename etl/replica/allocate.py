"""Which image of the replica holds how many objects of which class.

At scale 1 the allocation reproduces every published figure: images per city, and per class the
images holding it and its objects per split. The per-split image counts of a class are not
published; they are split in proportion to the class's objects. At a smaller scale every figure
is scaled and rounded, keeping each city, and each class where its split has room for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import published
from . import faults as f
from .profiles import EGO_VEHICLE, FRAME_INDICES, LABEL_NAMES, OUT_OF_ROI, RECTIFICATION_BORDER

RECTIFICATION_BORDERS_PER_IMAGE = 4  # 7376 borders in 1844 images
# Some files keep the labelling tool's bookkeeping keys on every object.
TOOL_KEYS_IMAGE_RATE = 0.03
_ALLOCATION_STREAM = 1


@dataclass(frozen=True)
class ImagePlan:
    image_index: int  # position in the replica; seeds the image's geometry
    split: str
    city: str
    seq: int
    labels: np.ndarray  # label index per object, in file (painter's) order
    faults: np.ndarray  # FaultKind per object
    tool_keys: bool

    @property
    def stem(self) -> str:
        return f"{self.city}_{self.seq:06d}_000019"


def scale_key(scale: float) -> int:
    """The scale as an integer seed component, so 0.02 and 0.0200000001 seed alike."""
    return round(scale * 1_000_000)


def scaled_city_images(scale: float) -> list[tuple[str, str, int]]:
    """(split, city, images) in split order, then by city name; every city keeps an image."""
    rows = []
    for split in published.SPLITS:
        for city in sorted(published.CITY_FIGURES):
            figures = published.CITY_FIGURES[city]
            if figures.split == split:
                rows.append((split, city, max(1, round(figures.images * scale))))
    return rows


def _split_images_of_class(total: int, objects: dict[str, int], room: dict[str, int]) -> dict[str, int]:
    """Share `total` images between splits in proportion to objects, within each split's room."""
    low = {s: int(objects[s] > 0) for s in objects}
    high = {s: min(objects[s], room[s]) for s in objects}
    total = min(max(total, sum(low.values())), sum(high.values()))
    shares = dict.fromkeys(objects, 0)
    remaining = total
    splits = [s for s in objects if objects[s] > 0]
    for k, split in enumerate(splits):
        others = splits[k + 1 :]
        if not others:
            shares[split] = remaining
            break
        wanted = round(remaining * objects[split] / sum(objects[s] for s in splits[k:]))
        lowest = max(low[split], remaining - sum(high[s] for s in others))
        highest = min(high[split], remaining - sum(low[s] for s in others))
        shares[split] = min(max(wanted, lowest), highest)
        remaining -= shares[split]
    return shares


def class_targets(scale: float, split_images: dict[str, int]) -> dict[str, dict[str, tuple[int, int]]]:
    """label -> split -> (images holding it, objects), scaled and mutually consistent."""
    targets: dict[str, dict[str, tuple[int, int]]] = {}
    for label, figures in published.CLASS_FIGURES.items():
        per_split: dict[str, tuple[int, int]] = {}
        if label in ("ego vehicle", "out of roi"):
            per_split = {s: (n, n) for s, n in split_images.items()}
        elif label == "rectification border":
            for split, room in split_images.items():
                published_images = figures.objects_in(split) // RECTIFICATION_BORDERS_PER_IMAGE
                images = min(room, max(int(published_images > 0), round(published_images * scale)))
                per_split[split] = (images, images * RECTIFICATION_BORDERS_PER_IMAGE)
        else:
            objects = {}
            for split in published.SPLITS:
                exact = figures.objects_in(split)
                objects[split] = max(int(exact > 0), round(exact * scale))
            images = _split_images_of_class(round(figures.images * scale), objects, split_images)
            per_split = {s: (images[s], objects[s]) for s in published.SPLITS}
        targets[label] = per_split
    return targets


def _object_counts(
    split_images: int, targets: dict[str, tuple[int, int]], split: str, rng: np.random.Generator
) -> np.ndarray:
    """images x labels matrix of object counts for one split."""
    counts = np.zeros((split_images, len(LABEL_NAMES)), dtype=np.int64)
    # Busy scenes hold many classes and many objects of each, as in real street scenes.
    busyness = rng.gamma(3.0, size=split_images)
    for index, label in enumerate(LABEL_NAMES):
        images, objects = targets[label][split]
        if index in (EGO_VEHICLE, OUT_OF_ROI):
            counts[:, index] = 1
            continue
        if images == 0:
            continue
        if index == RECTIFICATION_BORDER:
            chosen = rng.choice(split_images, size=images, replace=False)
            counts[chosen, index] = RECTIFICATION_BORDERS_PER_IMAGE
            continue
        chosen = np.sort(rng.choice(split_images, size=images, replace=False, p=busyness / busyness.sum()))
        weights = busyness[chosen] * rng.gamma(0.8, size=images)
        counts[chosen, index] = 1 + rng.multinomial(objects - images, weights / weights.sum())
    return counts


def plan_replica(seed: int, scale: float) -> tuple[list[ImagePlan], dict[f.FaultKind, int]]:
    """The object list of every image (labels and planted faults) and the count of each fault."""
    rng = np.random.default_rng([seed, scale_key(scale), _ALLOCATION_STREAM])
    cities = scaled_city_images(scale)
    split_images = {s: sum(n for split, _, n in cities if split == s) for s in published.SPLITS}
    targets = class_targets(scale, split_images)

    images: list[tuple[str, np.ndarray, np.ndarray]] = []
    for split in published.SPLITS:
        counts = _object_counts(split_images[split], targets, split, rng)
        for row in counts:
            labels = np.repeat(np.arange(len(LABEL_NAMES), dtype=np.int8), row)
            images.append((split, labels, np.zeros(len(labels), dtype=np.int8)))

    weights = np.array(
        [0.0 if i in FRAME_INDICES else published.CLASS_FIGURES[name].objects for i, name in enumerate(LABEL_NAMES)]
    )
    fault_counts = f.plant_faults(images, scale, weights / weights.sum(), rng)
    tool_keys = rng.random(len(images)) < TOOL_KEYS_IMAGE_RATE

    plans = []
    names = [(split, city, seq) for split, city, n in cities for seq in range(n)]
    for index, ((split, city, seq), (_, labels, faults)) in enumerate(zip(names, images, strict=True)):
        plans.append(ImagePlan(index, split, city, seq, labels, faults, bool(tool_keys[index]) and split != "test"))
    return plans, fault_counts
