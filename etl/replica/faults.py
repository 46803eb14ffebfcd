"""The real-world annotation faults the replica plants, each in a known number of objects.

Every faulty object carries exactly one kind, so each kind can be counted back exactly. Faults go
only into train and val images and never onto the frame of the camera. Two families:

- extra objects, outside the published figures: fewer than 3 points (Dataset Ninja drops them)
  or `"deleted": 1` (cityscapesScripts skips them);
- counted objects whose geometry is broken: self-intersecting, a repeated vertex, one vertex just
  outside the image, one vertex exactly on the image border.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import shapely

from . import shapes
from .profiles import FRAME_INDICES


class FaultKind(IntEnum):
    NONE = 0
    POINTS_0 = 1
    POINTS_1 = 2
    POINTS_2 = 3
    DELETED = 4
    SELF_INTERSECTING = 5
    REPEATED_VERTEX = 6
    OUTSIDE_BORDER = 7
    ON_BORDER = 8

    @property
    def truth_key(self) -> str:
        return self.name.lower()


EXTRA_KINDS: tuple[FaultKind, ...] = (FaultKind.POINTS_0, FaultKind.POINTS_1, FaultKind.POINTS_2, FaultKind.DELETED)
COUNTED_KINDS: tuple[FaultKind, ...] = (
    FaultKind.SELF_INTERSECTING,
    FaultKind.REPEATED_VERTEX,
    FaultKind.OUTSIDE_BORDER,
    FaultKind.ON_BORDER,
)

# Rates of the order of those seen in the real gtFine files: a few per ten thousand objects.
FULL_SCALE_COUNTS: dict[FaultKind, int] = {
    FaultKind.POINTS_0: 7,
    FaultKind.POINTS_1: 21,
    FaultKind.POINTS_2: 49,
    FaultKind.DELETED: 63,
    FaultKind.SELF_INTERSECTING: 257,
    FaultKind.REPEATED_VERTEX: 503,
    FaultKind.OUTSIDE_BORDER: 331,
    FaultKind.ON_BORDER: 613,
}


def fault_counts(scale: float) -> dict[FaultKind, int]:
    """How many objects carry each kind: proportional to the scale, at least one of each."""
    return {kind: max(1, round(count * scale)) for kind, count in FULL_SCALE_COUNTS.items()}


def degenerate_polygon(kind: FaultKind, rng: np.random.Generator) -> np.ndarray:
    """0, 1 or 2 points, as a stray click or an unfinished outline leaves them."""
    points = {FaultKind.POINTS_0: 0, FaultKind.POINTS_1: 1, FaultKind.POINTS_2: 2}[kind]
    if points == 0:
        return shapes.empty_polygon()
    first = np.array(
        [
            rng.integers(shapes.INNER_MIN, shapes.INNER_X_MAX - 80),
            rng.integers(shapes.INNER_MIN, shapes.INNER_Y_MAX - 80),
        ],
        dtype=np.int64,
    )
    if points == 1:
        return first[None, :]
    second = first + rng.integers(1, 80, size=2)
    return np.stack([first, second]).astype(np.int64)


def break_polygon(kind: FaultKind, polygon: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The polygon with one counted fault of `kind` planted in it."""
    if kind is FaultKind.SELF_INTERSECTING:
        return _self_intersecting(polygon, rng)
    if kind is FaultKind.REPEATED_VERTEX:
        at = int(rng.integers(0, len(polygon)))
        return np.insert(polygon, at + 1, polygon[at], axis=0)
    if kind is FaultKind.OUTSIDE_BORDER:
        return _vertex_moved_to_border(polygon, overshoot_px=int(rng.integers(1, 4)))
    if kind is FaultKind.ON_BORDER:
        return _vertex_moved_to_border(polygon, overshoot_px=0)
    raise ValueError(f"{kind!r} is not a fault of an existing polygon")


def _is_valid(polygon: np.ndarray) -> bool:
    return bool(shapely.is_valid(shapely.Polygon(polygon)))


def _self_intersecting(polygon: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    # Two neighbouring clicks in the wrong order: the typical way annotators cross an outline.
    if len(polygon) >= 4:
        at = int(rng.integers(1, len(polygon) - 2))
        swapped = polygon.copy()
        swapped[[at, at + 1]] = polygon[[at + 1, at]]
        if not _is_valid(swapped):
            return swapped
    (x0, y0), (x1, y1) = polygon.min(axis=0), polygon.max(axis=0)
    return np.array([[x0, y0], [x1, y1], [x1, y0], [x0, y1]], dtype=np.int64)


def _vertex_moved_to_border(polygon: np.ndarray, overshoot_px: int) -> np.ndarray:
    """Drag the vertex nearest to the closest image edge onto it, or `overshoot_px` past it."""
    (x0, y0), (x1, y1) = polygon.min(axis=0), polygon.max(axis=0)
    gaps = [x0, y0, shapes.X_MAX - x1, shapes.Y_MAX - y1]
    side = int(np.argmin(gaps))
    axis = side % 2
    target = -overshoot_px if side < 2 else (shapes.X_MAX, shapes.Y_MAX)[axis] + overshoot_px
    at = int(np.argmin(polygon[:, axis]) if side < 2 else np.argmax(polygon[:, axis]))
    moved = polygon.copy()
    moved[at, axis] = target
    if _is_valid(moved):
        return moved
    # A box with one corner dragged outwards is convex, hence always valid.
    box = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.int64)
    corner = {0: 0, 1: 0, 2: 1, 3: 2}[side]
    box[corner, axis] = target
    return box


def plant_faults(
    images: list[tuple[str, np.ndarray, np.ndarray]], scale: float, weights: np.ndarray, rng: np.random.Generator
) -> dict[FaultKind, int]:
    """Mark faults in place on (split, labels, faults) per image; returns the count of each kind.

    Extra objects are inserted at random positions of random train/val images with a label drawn
    by `weights` (over label indices); counted faults go to random ordinary objects.
    """
    counts = fault_counts(scale)
    annotated = [i for i, (split, _, _) in enumerate(images) if split != "test"]
    for kind in EXTRA_KINDS:
        for _ in range(counts[kind]):
            i = annotated[int(rng.integers(0, len(annotated)))]
            split, labels, faults = images[i]
            at = int(rng.integers(0, len(labels) + 1))
            label = int(rng.choice(len(weights), p=weights))
            images[i] = (split, np.insert(labels, at, label), np.insert(faults, at, int(kind)))

    frame = np.array(sorted(FRAME_INDICES))
    owners, positions = [], []
    for i in annotated:
        _, labels, faults = images[i]
        eligible = np.flatnonzero((faults == FaultKind.NONE) & ~np.isin(labels, frame))
        owners.append(np.full(len(eligible), i))
        positions.append(eligible)
    owner, position = np.concatenate(owners), np.concatenate(positions)
    kinds = np.concatenate([np.full(counts[k], int(k)) for k in COUNTED_KINDS])
    chosen = rng.choice(len(owner), size=len(kinds), replace=False)
    for target, kind in zip(chosen, rng.permutation(kinds), strict=True):
        images[owner[target]][2][position[target]] = kind
    return counts
