"""Counting a painter canvas (object k painted as k + 1) inside each object's box, not over the whole canvas.

A histogram of a whole 2048 x 1024 canvas (cv2.calcHist) cost 5 ms, two per image: half of the
pixel stage. Value k + 1 can only lie inside object k's box (the bounding box of its vertices),
and the boxes of an image add up to about 2.5 canvases, which a compare and a count read at
SIMD speed: about 1 ms for all objects of an image.

The 8-bit canvases both rasterisations draw on come from `filled_canvas`, in buffers reused from
image to image: a new 2 MB array is 512 page faults as it is first touched.
"""

from __future__ import annotations

import cv2
import numpy as np

EMPTY_BOX = (0, 0, -1, -1)
MAX_PAIRWISE = 2048  # objects of an image compared box against box (n x n booleans)
NARROW_BOX_PX = 512  # boxes narrower than this are counted with numpy (value_count)


def filled_canvas(shape: tuple[int, int], value: int, scratch: np.ndarray | None = None) -> np.ndarray:
    """An 8-bit canvas of `shape` holding `value` everywhere: the front of `scratch` (a reusable uint8
    buffer) when it is large enough, else a new array."""
    size = shape[0] * shape[1]
    if scratch is None or scratch.size < size:
        return np.full(shape, value, np.uint8)
    canvas = scratch[:size].reshape(shape)
    canvas.fill(value)
    return canvas


def clipped_boxes(bbox: np.ndarray, width: int, height: int, margin: int = 1) -> np.ndarray:
    """(n, 4) x0, y0, x1, y1 inclusive, `margin` pixels wider on each side, clipped to the canvas.

    The margin keeps a pixel that a rasteriser's rounding puts just beside a vertex inside the
    box; an object wholly outside the canvas gets the empty box EMPTY_BOX.
    """
    boxes = bbox.astype(np.int64, copy=True).reshape(-1, 4)
    x0, y0, x1, y1 = boxes.T
    off_canvas = (np.maximum(x0, 0) > np.minimum(x1, width - 1)) | (np.maximum(y0, 0) > np.minimum(y1, height - 1))
    boxes[:, :2] = np.maximum(boxes[:, :2] - margin, 0)
    boxes[:, 2] = np.minimum(boxes[:, 2] + margin, width - 1)
    boxes[:, 3] = np.minimum(boxes[:, 3] + margin, height - 1)
    boxes[off_canvas] = EMPTY_BOX
    return boxes


def value_count(canvas: np.ndarray, box: tuple[int, int, int, int], value: int) -> int:
    """Pixels of `canvas` equal to `value` inside `box` (an 8-bit canvas)."""
    x0, y0, x1, y1 = box
    if x0 > x1 or y0 > y1:
        return 0
    region = canvas[y0 : y1 + 1, x0 : x1 + 1]
    # OpenCV's compare pays per row of the box, numpy's per pixel and more than OpenCV: a box
    # narrower than NARROW_BOX_PX (most boxes) counts faster with numpy
    if x1 - x0 < NARROW_BOX_PX:
        return int(np.count_nonzero(region == value))
    return cv2.countNonZero(cv2.compare(region, value, cv2.CMP_EQ))


def painted_counts(canvas: np.ndarray, boxes: np.ndarray, own: np.ndarray, derived: int | None = None) -> np.ndarray:
    """Per object k, the pixels of `canvas` equal to k + 1: where object k shows.

    Boxes must hold every pixel of their object (clipped_boxes); `own` is each object's pixels when
    drawn alone, which is what shows of an object no later object's box meets. One object's count
    is derived instead: all painted pixels less the others' counts. By default that is the object
    with the largest box to read; `derived` names it instead (its `own` entry is then not used).
    The last objects of a Cityscapes file ('ego vehicle', 'out of roi') have the largest boxes.
    Canvases of more than 255 objects are 16- or 32-bit, and rare: those are counted whole.
    """
    n = len(boxes)
    if canvas.dtype != np.uint8:
        return np.bincount(canvas.ravel(), minlength=n + 1)[1 : n + 1].astype(np.int64)
    counts = own.astype(np.int64, copy=True)
    to_read = np.flatnonzero(~unoccluded(boxes))
    if derived is None and len(to_read):
        x0, y0, x1, y1 = boxes[to_read].T
        derived = int(to_read[np.argmax((x1 - x0 + 1) * (y1 - y0 + 1))])
    box_list = boxes.tolist()
    for k in to_read.tolist():
        if k != derived:
            counts[k] = value_count(canvas, box_list[k], k + 1)
    if derived is not None:
        counts[derived] = 0
        counts[derived] = cv2.countNonZero(canvas) - counts.sum()
    return counts


def shares_with_own_label(boxes: np.ndarray, labels: np.ndarray, present: np.ndarray) -> np.ndarray:
    """Per present object, whether its box meets the box of another present object of its label.

    Beyond MAX_PAIRWISE objects (hostile input, not Cityscapes) the pairs are not compared: every
    object of a label with several is taken to share.
    """
    if len(boxes) > MAX_PAIRWISE:
        present_labels = labels[present]
        return present & (np.bincount(present_labels, minlength=labels.max(initial=0) + 1)[labels] > 1)
    pairs = _meets(boxes) & (labels[:, None] == labels) & present[:, None] & present
    np.fill_diagonal(pairs, False)
    return pairs.any(axis=1)


def unoccluded(boxes: np.ndarray) -> np.ndarray:
    """Per box, whether no later box meets it (empty boxes meet none)."""
    return ~np.triu(_meets(boxes), 1).any(axis=1)


def _meets(boxes: np.ndarray) -> np.ndarray:
    """(n, n) whether box i and box j have a pixel in common (the empty box has none)."""
    x0, y0, x1, y1 = boxes.T
    return (x0[:, None] <= x1) & (x0 <= x1[:, None]) & (y0[:, None] <= y1) & (y0 <= y1[:, None])
