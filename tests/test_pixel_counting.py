"""Counting painter canvases inside boxes (pixels/counting.py) against a whole-canvas histogram."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cityscapes_warehouse.pixels import counting
from cityscapes_warehouse.pixels.counting import clipped_boxes, painted_counts, shares_with_own_label
from cityscapes_warehouse.pixels.layout import _bbox


def painted(seed: int, n: int, width: int = 120, height: int = 80) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A painter canvas of n random polygons (some partly or wholly off the canvas), their boxes
    and each one's pixels drawn alone."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((height, width), np.uint8 if n <= 255 else np.uint16)
    polygons = []
    for _ in range(n):
        corner = rng.integers(-40, 140, 2)
        polygons.append((corner + rng.integers(0, rng.integers(2, 60), (int(rng.integers(3, 7)), 2))).astype(np.int32))
    own = np.zeros(n, np.int64)
    for k, points in enumerate(polygons):
        alone = np.zeros((height, width), np.uint8)
        cv2.fillPoly(alone, [points], 1)
        own[k] = int(alone.sum())
        cv2.fillPoly(canvas, [points], k + 1)
    bbox = np.array([[*p.min(axis=0), *p.max(axis=0)] for p in polygons], np.int32).reshape(-1, 4)
    return canvas, clipped_boxes(bbox, width, height), own


@pytest.mark.parametrize("n", [0, 1, 2, 30, 255, 300])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_painted_counts_equal_the_histogram_of_the_canvas(seed, n):
    canvas, boxes, own = painted(seed, n)
    expected = np.bincount(canvas.ravel(), minlength=n + 1)[1:]
    assert painted_counts(canvas, boxes, own).tolist() == expected.tolist()
    if n:  # the last object derived from the total, its own area not given
        unknown_last = own.copy()
        unknown_last[-1] = -12345
        assert painted_counts(canvas, boxes, unknown_last, derived=n - 1).tolist() == expected.tolist()


def test_a_box_of_an_object_off_the_canvas_is_empty():
    boxes = clipped_boxes(np.array([[200, 5, 230, 9], [-30, -30, -1, -1], [3, 4, 5, 6]], np.int32), 100, 50)
    assert boxes.tolist() == [list(counting.EMPTY_BOX), list(counting.EMPTY_BOX), [2, 3, 6, 7]]


@pytest.mark.parametrize("max_pairwise", [counting.MAX_PAIRWISE, 3])
def test_objects_sharing_a_box_with_their_label(monkeypatch, max_pairwise):
    monkeypatch.setattr(counting, "MAX_PAIRWISE", max_pairwise)
    boxes = np.array([[0, 0, 9, 9], [9, 9, 20, 20], [30, 30, 40, 40], [0, 0, 50, 50], [0, 0, 5, 5]], np.int64)
    labels = np.array([1, 1, 1, 2, 1])
    present = np.array([True, True, True, True, False])
    got = shares_with_own_label(boxes, labels, present).tolist()
    if max_pairwise >= len(boxes):
        # 0 and 1 touch at (9, 9); 2 is apart; 3 is alone in its label; 4 is not present
        assert got == [True, True, False, False, False]
    else:  # too many to compare: every present object of a label with several shares
        assert got == [True, True, True, False, False]


def test_bounding_boxes_over_runs_with_empty_runs_anywhere():
    rng = np.random.default_rng(0)
    lengths = np.array([0, 3, 0, 0, 5, 1, 0, 4, 0])
    xy = rng.integers(-50, 50, (int(lengths.sum()), 2)).astype(np.int32)
    stops = np.cumsum(lengths)
    starts = stops - lengths
    expected = [
        [*xy[a:b].min(axis=0), *xy[a:b].max(axis=0)] if b > a else [0, 0, -1, -1]
        for a, b in zip(starts, stops, strict=True)
    ]
    assert _bbox(xy, starts, stops).tolist() == expected
    # runs with gaps between them (the exterior ring only, say): the gaps are not counted
    short = np.minimum(starts + 2, stops)
    assert _bbox(xy, starts, short).tolist() == [
        [*xy[a:b].min(axis=0), *xy[a:b].max(axis=0)] if b > a else [0, 0, -1, -1]
        for a, b in zip(starts, short, strict=True)
    ]
