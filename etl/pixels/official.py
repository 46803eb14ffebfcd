"""The official label images, as cityscapesScripts draws them: which objects, which value, which pixels.

`createLabelImage` (json2labelImg.py; "ids" and "trainIds") and `createInstanceImage`
(json2instanceImg.py) walk the polygon file's objects in file order and fill each point list with
Pillow's `ImageDraw.polygon`, a later object overwriting an earlier one. Their rules, kept here:

- deleted objects are skipped (the parser already rejects them, so they never reach this module);
- a label not in the table but ending in "group" is drawn as the label without it (`busgroup` as
  bus), as a group: its instance value is the class id, with no instance number;
- labels with a negative id (license plate) are never drawn, so what lies beneath shows through;
- an object whose class has instances (and is not a group) gets the id `label_id * 1000 + n`,
  n counting that class's objects drawn before it in the file, from 0;
- the whole point list is one polygon: 'out of roi' (a frame, then the region of interest) is
  filled as one ring, so its boundary is painted and the wedge between frame and ROI is left as
  Pillow's fill rule leaves it. Rings split by the parser are joined back in order, which gives
  the file's point list again;
- two-point objects are drawn (Pillow draws the segment).

Where the official tool gives no answer we choose, and say so in data/README.md: objects with 0 or
1 point (Pillow raises, the tool crashes) and objects with a label unknown even without "group"
(the tool exits) are not drawn and take no instance number; the rest of the image is drawn.

`paint` is the one place pixels are made (`paint_counted` is the same drawing, counted as it goes):
a pure function of the image size and the point lists.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ..labels import LABELS
from .counting import filled_canvas, painted_counts, value_count

GROUP_SUFFIX = "group"
NOT_DRAWN = -1  # label value of an object the official images never show
INSTANCE_FACTOR = 1000  # instance ids are label_id * 1000 + n (cityscapesScripts' convention)
UNLABELED_ID = 0
UNLABELED_TRAIN_ID = 255
MIN_POINTS = 2  # Pillow fills a point list of 2 or more points; fewer raises


def official_values(label: str) -> tuple[int, int, bool] | None:
    """(label id, train id, whether it gets an instance number) as the official tools draw `label`.

    None when the official tools would stop on it (a label unknown even without "group").
    """
    group = False
    if label not in LABELS and label.endswith(GROUP_SUFFIX):
        label, group = label[: -len(GROUP_SUFFIX)], True
    known = LABELS.get(label)
    if known is None:
        return None
    # our label table also lists the crowd labels (cargroup, ...) with their class's ids: in the
    # official table they are absent, so they are groups too
    group = group or (known.is_group and known.base_label != known.name)
    if known.label_id < 0:
        return NOT_DRAWN, NOT_DRAWN, False
    return known.label_id, known.train_id, known.has_instances and not group


def paint(width: int, height: int, point_lists: list[np.ndarray]) -> np.ndarray:
    """The painter canvas: pixel = k + 1 where object k of `point_lists` was drawn last, 0 elsewhere.

    Each point list is an (n, 2) int array of at least MIN_POINTS points, drawn in order with
    Pillow's `ImageDraw.polygon`, as the official tools draw it. The canvas is uint8 up to 255
    objects, int32 beyond.
    """
    if len(point_lists) > 255:
        # Pillow shares memory with 8-bit images only: a 32-bit one is drawn, then copied out
        image = Image.new("I", (width, height), 0)
        _draw_all(image, point_lists)
        return np.asarray(image, np.int32)
    canvas = filled_canvas((height, width), 0)
    _draw_all(_shared_image(canvas), point_lists)
    return canvas


def paint_counted(
    width: int, height: int, point_lists: list[np.ndarray], boxes: np.ndarray, scratch: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`paint`, with each object's own pixels (drawn alone) and its visible pixels, in one drawing.

    Pillow writes the same pixels whatever the canvas holds, so just after object k is drawn the
    pixels equal to k + 1 are exactly those it covers when drawn alone; on the finished canvas they
    are those where it shows. `boxes` (counting.clipped_boxes of each point list's bounding box)
    says where to count. Returns (canvas, own pixels, visible pixels).
    """
    if len(point_lists) > 255:  # a 32-bit canvas: Pillow draws it in its own memory
        canvas = paint(width, height, point_lists)
        own = _mask_areas(width, height, point_lists, boxes, scratch)
        return canvas, own, painted_counts(canvas, boxes, own)
    canvas = filled_canvas((height, width), 0, scratch)
    draw = ImageDraw.Draw(_shared_image(canvas))
    own = np.zeros(len(point_lists), np.int64)
    last = len(point_lists) - 1
    for k, (points, box) in enumerate(zip(point_lists, boxes.tolist(), strict=True)):
        draw.polygon(pillow_path(points), fill=k + 1)
        if k < last:  # nothing covers the last object: all of it shows, and is counted as it shows
            own[k] = value_count(canvas, box, k + 1)
    visible = painted_counts(canvas, boxes, own, derived=last if last >= 0 else None)
    own[last:] = visible[last:]
    return canvas, own, visible


def _draw_all(image: Image.Image, point_lists: list[np.ndarray]) -> None:
    draw = ImageDraw.Draw(image)
    for k, points in enumerate(point_lists):
        draw.polygon(pillow_path(points), fill=k + 1)


def _mask_areas(
    width: int, height: int, point_lists: list[np.ndarray], boxes: np.ndarray, scratch: np.ndarray | None
) -> np.ndarray:
    """Each object's own pixels, each point list drawn alone (for canvases too deep to count in place).

    Drawn at its own coordinates on a full canvas, not in a patch, so that the pixels are exactly
    those of the label images (Pillow's edge arithmetic is in floating point and need not be exactly
    invariant under a shift). Only the object's box is counted and cleared after each.
    """
    canvas = filled_canvas((height, width), 0, scratch)
    draw = ImageDraw.Draw(_shared_image(canvas))
    areas = np.zeros(len(point_lists), np.int64)
    for k, (points, (x0, y0, x1, y1)) in enumerate(zip(point_lists, boxes.tolist(), strict=True)):
        if x0 > x1 or y0 > y1:
            continue
        draw.polygon(pillow_path(points), fill=1)
        box = canvas[y0 : y1 + 1, x0 : x1 + 1]
        areas[k] = np.count_nonzero(box)
        box.fill(0)
    return areas


def pillow_path(points: np.ndarray) -> np.ndarray:
    """A point list as `ImageDraw.polygon` takes it fastest: a buffer of float32 x, y pairs.

    Pillow reads a buffer as float32 pairs, and casts each int of a list to float32 too (path.c), so
    the polygon and its pixels are those of `points.ravel().tolist()`, without building and parsing
    a Python list (about 3 us of an 8-point polygon's 7).
    """
    return np.ascontiguousarray(points, np.float32)


def _shared_image(canvas: np.ndarray) -> Image.Image:
    """A Pillow image drawing straight into `canvas`: no copy in, no copy out.

    `frombuffer` shares the memory but marks the image read-only, so that drawing would copy it
    first; the buffer is ours and writable, so the mark is lifted.
    """
    height, width = canvas.shape
    image = Image.frombuffer("L", (width, height), canvas, "raw", "L", 0, 1)
    image.readonly = 0
    return image


def label_images(width: int, height: int, objects: list[tuple[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The official labelIds, trainIds (uint8) and instanceIds (int32) images of one polygon file.

    `objects` are the file's (label, point list) pairs in file order, deleted ones left out. For
    writing label PNGs (the replica) and as the per-image statement of the rules above.
    """
    drawn: list[np.ndarray] = []
    values: list[tuple[int, int, int]] = []
    seen: dict[int, int] = {}
    for label, points in objects:
        official = official_values(label)
        if official is None or len(points) < MIN_POINTS or official[0] == NOT_DRAWN:
            continue
        label_id, train_id, numbered = official
        instance_id = label_id
        if numbered:
            instance_id = label_id * INSTANCE_FACTOR + seen.get(label_id, 0)
            seen[label_id] = seen.get(label_id, 0) + 1
        drawn.append(np.asarray(points))
        values.append((label_id, train_id, instance_id))
    table = np.array([(UNLABELED_ID, UNLABELED_TRAIN_ID, UNLABELED_ID), *values], np.int32).reshape(-1, 3)
    canvas = paint(width, height, drawn)
    return {
        "labelIds": table[:, 0].astype(np.uint8)[canvas],
        "trainIds": table[:, 1].astype(np.uint8)[canvas],
        "instanceIds": table[:, 2][canvas],
    }
