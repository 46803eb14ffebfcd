"""truth.json: every figure the replica was built to have, computed from its object lists.

"objects" follows the published definition (at least 3 points, not deleted), so the extra fault
objects appear only in `raw_objects` and in `faults`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .. import published
from .allocate import ImagePlan
from .faults import EXTRA_KINDS, FaultKind
from .profiles import LABEL_NAMES


def replica_truth(plans: list[ImagePlan], fault_counts: dict[FaultKind, int]) -> dict[str, Any]:
    splits = {s: {"images": 0, "objects": 0} for s in published.SPLITS}
    cities: dict[str, dict[str, Any]] = {}
    class_images = {s: Counter() for s in published.SPLITS}
    class_objects = {s: Counter() for s in published.SPLITS}
    extra = np.array([int(k) for k in EXTRA_KINDS])
    raw_objects = tool_key_objects = 0
    for plan in plans:
        counted = plan.labels[~np.isin(plan.faults, extra)]
        splits[plan.split]["images"] += 1
        splits[plan.split]["objects"] += len(counted)
        city = cities.setdefault(plan.city, {"split": plan.split, "images": 0})
        city["images"] += 1
        per_label = np.bincount(counted, minlength=len(LABEL_NAMES))
        for index in np.flatnonzero(per_label):
            class_images[plan.split][LABEL_NAMES[index]] += 1
            class_objects[plan.split][LABEL_NAMES[index]] += int(per_label[index])
        raw_objects += len(plan.labels)
        tool_key_objects += len(plan.labels) if plan.tool_keys else 0

    classes = {}
    for label in sorted(LABEL_NAMES):
        images_per_split = {s: class_images[s][label] for s in published.SPLITS}
        objects_per_split = {s: class_objects[s][label] for s in published.SPLITS}
        if sum(objects_per_split.values()):
            classes[label] = {
                "images": sum(images_per_split.values()),
                "objects": sum(objects_per_split.values()),
                "images_per_split": images_per_split,
                "objects_per_split": objects_per_split,
            }
    deleted_with_keys = sum(int(np.count_nonzero(p.faults == FaultKind.DELETED)) for p in plans if not p.tool_keys)
    return {
        "images": sum(s["images"] for s in splits.values()),
        "objects": sum(s["objects"] for s in splits.values()),
        "raw_objects": raw_objects,
        "classes_total": len(classes),
        "cities_total": len(cities),
        "image_width_px": published.IMAGE_WIDTH_PX,
        "image_height_px": published.IMAGE_HEIGHT_PX,
        "splits": splits,
        "cities": dict(sorted(cities.items())),
        "labels": sorted(classes),
        "classes": classes,
        "faults": {kind.truth_key: fault_counts[kind] for kind in sorted(fault_counts)},
        "objects_with_tool_keys": tool_key_objects + deleted_with_keys,
    }
