"""The geometry of one image of the replica: its objects' polygons in painter's order."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import shapes
from .allocate import ImagePlan
from .faults import COUNTED_KINDS, FaultKind, break_polygon, degenerate_polygon
from .profiles import EGO_VEHICLE, FRAME_INDICES, LABEL_NAMES, OUT_OF_ROI, RECTIFICATION_BORDER

_DEGENERATE = (FaultKind.POINTS_0, FaultKind.POINTS_1, FaultKind.POINTS_2)
_FRAME = np.array(sorted(FRAME_INDICES))
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _tool_keys(object_id: int, deleted: bool, rng: np.random.Generator) -> dict[str, Any]:
    day, month, hour, minute, second = (int(v) for v in rng.integers([1, 0, 8, 0, 0], [29, 12, 19, 60, 60]))
    return {
        "date": f"{day:02d}-{_MONTHS[month]}-2015 {hour:02d}:{minute:02d}:{second:02d}",
        "deleted": int(deleted),
        "id": object_id,
        "user": "synthetic",
        "verified": int(rng.random() < 0.8),
    }


def draw_image(plan: ImagePlan, rng: np.random.Generator) -> list[tuple[str, np.ndarray, dict | None]]:
    """(label, integer polygon, labelling-tool keys or None) for every object of the image."""
    labels, faults = plan.labels, plan.faults
    outlined = ~np.isin(labels, _FRAME) & ~np.isin(faults, _DEGENERATE)
    polygons: list[np.ndarray] = [shapes.empty_polygon()] * len(labels)
    for at, outline in zip(np.flatnonzero(outlined), shapes.class_outlines(labels[outlined], rng), strict=True):
        polygons[at] = outline
    borders: list[np.ndarray] = []

    objects = []
    for at, (label, fault) in enumerate(zip(labels.tolist(), faults.tolist(), strict=True)):
        kind = FaultKind(fault)
        if label == EGO_VEHICLE:
            polygon = shapes.ego_vehicle(rng)
        elif label == RECTIFICATION_BORDER:
            borders = borders or shapes.rectification_borders(rng)
            polygon = borders.pop(0)
        elif label == OUT_OF_ROI:
            polygon = shapes.out_of_roi(rng)
        elif kind in _DEGENERATE:
            polygon = degenerate_polygon(kind, rng)
        elif kind in COUNTED_KINDS:
            polygon = break_polygon(kind, polygons[at], rng)
        else:
            polygon = polygons[at]
        deleted = kind is FaultKind.DELETED
        keys = _tool_keys(at, deleted, rng) if plan.tool_keys or deleted else None
        objects.append((LABEL_NAMES[label], polygon, keys))
    return objects
