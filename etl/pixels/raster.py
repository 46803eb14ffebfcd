"""Rasterise a run of images twice: with OpenCV as Dataset Ninja did, and as the official label images.

The official rasterisation (Pillow, cityscapesScripts' rules) is in official.py; per image it gives
each object's visible and own pixels and the background, from which the stage builds the label,
train id and instance histograms. What follows is the OpenCV rasterisation.

Each object's mask follows Dataset Ninja (Supervisely's polygon drawing): `cv2.fillPoly` of the
exterior with 1, then of all holes with 0, integer coordinates, on an H x W canvas (so vertices
outside the image are clipped and self-intersections fill by OpenCV's even-odd scanlines). Masks
are drawn in a patch the size of the object's clipped bounding box (every ring's), which is the
same pixels as on the full canvas (fillPoly is translation-invariant for integer offsets; rings are
cut only at the image's edges, as there) at a fraction of the cost.

In one pass per image this gives
- per label, the union of its objects' masks (no occlusion between labels, as Dataset Ninja);
  an object whose box meets no other of its label adds its own area, undrawn;
- every object's visible area in painter's order, with OpenCV's masks (Dataset Ninja's way; the
  official figures come from official.py). Objects are drawn last to first onto a canvas of the
  pixels that later objects cover, so what an object adds to it is where it shows: two counts of
  nonzero pixels in its box, before and after it is drawn, with no compare against a value
  (counting.py). An object whose box no later box meets shows whole;
- per label, the heatmap: how many objects cover each pixel, summed per CELL_PX x CELL_PX cell
  (each object's patch is cell-aligned, so its per-cell sums fall out of two small reductions).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from .counting import EMPTY_BOX, clipped_boxes, filled_canvas, shares_with_own_label, unoccluded
from .label_pngs import compare as compare_label_pngs
from .layout import PolygonLayout
from .official import paint_counted as official_paint_counted

MANY_CELLS = 32  # from this many cells on, an object's cell sums take the uint64 way (_cell_sums)


@dataclass
class RasterResult:
    """Per batch: coverage rows (image, label), per-image labelled pixels, per-object areas, heatmap."""

    coverage_image: np.ndarray  # (rows,) int64, image position in the batch
    coverage_class: np.ndarray  # (rows,) int32
    coverage_objects: np.ndarray  # (rows,) int32
    coverage_px: np.ndarray  # (rows,) int64
    labeled_px: np.ndarray  # (images,) int64
    mask_area_px: np.ndarray  # (objects,) int64
    visible_area_px: np.ndarray  # (objects,) int64
    heatmap: np.ndarray | None  # (labels, grid rows, grid columns) int64; None once the stage has summed it
    official: OfficialCounts


def rasterise(layout: PolygonLayout, cell_px: int) -> RasterResult:
    """Rasterise every image of `layout` (a batch); pure apart from its own scratch buffers."""
    n_labels = len(layout.labels)
    heatmap = np.zeros((n_labels, *layout.grid_shape), np.int64)
    mask_area = np.zeros(len(layout.object_class), np.int64)
    visible_area = np.zeros(len(layout.object_class), np.int64)
    labeled = np.zeros(layout.n_images, np.int64)
    rows: list[tuple[int, int, int, int]] = []
    union = UnionCanvases()
    official = OfficialCounts.zeros(layout.n_images, len(layout.object_class))
    # canvases reused from image to image (counting.filled_canvas)
    largest = int(np.max(layout.widths.astype(np.int64) * layout.heights, initial=0))
    scratch, cover_bytes = (np.zeros(largest, np.uint8) for _ in range(2))
    starts = _Starts(layout)
    for i in range(layout.n_images):
        h, w = int(layout.heights[i]), int(layout.widths[i])
        first, stop = int(layout.object_starts[i]), int(layout.object_starts[i + 1])
        # 0/1 whatever the number of objects: a byte per pixel for every image
        cover = filled_canvas((h, w), 0, cover_bytes)
        image = _Image(layout, starts, first, cover, union, heatmap, mask_area, visible_area, cell_px)
        for label, objects, covered in image.paint(stop):
            rows.append((i, label, objects, covered))
        labeled[i] = visible_area[first:stop].sum()
        official.count_image(layout, i, scratch, starts)
    table = np.array(rows, np.int64).reshape(-1, 4)
    return RasterResult(
        coverage_image=table[:, 0],
        coverage_class=table[:, 1].astype(np.int32),
        coverage_objects=table[:, 2].astype(np.int32),
        coverage_px=table[:, 3],
        labeled_px=labeled,
        mask_area_px=mask_area,
        visible_area_px=visible_area,
        heatmap=heatmap,
        official=official,
    )


@dataclass
class OfficialCounts:
    """Per batch, what the official label images hold: each object's pixels, and the background."""

    visible_px: np.ndarray  # (objects,) int64: pixels where the object was drawn last; 0 if never drawn
    mask_px: np.ndarray  # (objects,) int64: the object's own pixels, drawn alone
    background_px: np.ndarray  # (images,) int64: pixels no drawn object covers (0 in every encoding)
    mismatches: list[tuple]  # (image position, *label_pngs.Mismatch) where a label PNG was compared

    @classmethod
    def zeros(cls, images: int, objects: int) -> OfficialCounts:
        return cls(np.zeros(objects, np.int64), np.zeros(objects, np.int64), np.zeros(images, np.int64), [])

    def count_image(self, layout: PolygonLayout, i: int, scratch: np.ndarray, starts: _Starts) -> None:
        first, stop = int(layout.object_starts[i]), int(layout.object_starts[i + 1])
        h, w = int(layout.heights[i]), int(layout.widths[i])
        drawn = first + np.flatnonzero(layout.official_label[first:stop] >= 0)
        point_lists = [starts.point_list(j) for j in drawn.tolist()]
        boxes = clipped_boxes(layout.bbox[drawn], w, h)
        canvas, own, visible = official_paint_counted(w, h, point_lists, boxes, scratch)
        self.visible_px[drawn] = visible
        self.mask_px[drawn] = own
        self.background_px[i] = h * w - int(visible.sum())
        readers = layout.label_pngs[i] if layout.label_pngs else None
        if readers:
            self.mismatches += [
                (i, *row) for row in compare_label_pngs(_official_images(layout, drawn, canvas), readers)
            ]


def _official_images(layout: PolygonLayout, drawn: np.ndarray, canvas: np.ndarray) -> dict[str, np.ndarray]:
    """The labelIds and instanceIds images, from the painter canvas (object k + 1 where k shows)."""
    label = np.concatenate([[0], layout.official_label[drawn]]).astype(np.uint8)
    instance = np.concatenate([[0], layout.official_instance[drawn]]).astype(np.int32)
    return {"labelIds": label[canvas], "instanceIds": instance[canvas]}


class UnionCanvases:
    """One canvas per label whose objects' boxes meet in the image being drawn, lent and given back.

    A canvas per label of the batch (about 40 x 2 MB) made the worker 85 MB larger; an image has
    far fewer labels with several objects at once, and a cleared canvas serves the next label.
    """

    def __init__(self) -> None:
        self._lent: dict[int, np.ndarray] = {}
        self._free: list[np.ndarray] = []

    def of(self, label: int, shape: tuple[int, int]) -> np.ndarray:
        canvas = self._lent.get(label)
        if canvas is None:
            while self._free and self._free[-1].shape != shape:  # an image of another size came
                self._free.pop()
            canvas = self._lent[label] = self._free.pop() if self._free else np.zeros(shape, np.uint8)
        return canvas

    def give_back(self, label: int) -> None:
        """The label's canvas, already cleared, for the next label that needs one."""
        self._free.append(self._lent.pop(label))


@dataclass
class _Image:
    """The canvases of one image while its objects are drawn."""

    layout: PolygonLayout
    starts: _Starts
    first: int  # the image's first object in the layout
    cover: np.ndarray  # (h, w) 1 where an object drawn after the one being drawn lies
    union: UnionCanvases  # per label, 1 where an object of the label lies
    heatmap: np.ndarray  # (labels, grid rows, grid columns) running sums for the batch
    mask_area: np.ndarray  # (objects,) of the batch
    visible_area: np.ndarray  # (objects,) of the batch
    cell_px: int

    def paint(self, stop: int) -> Iterator[tuple[int, int, int]]:
        """Draw objects [first, stop), last to first; then yield (label, objects, covered px) per label."""
        h, w = self.cover.shape
        classes = self.layout.object_class[self.first : stop]
        dn_drawn = self.layout.dn_drawn[self.first : stop]
        # every ring inside, so that holes are cut where the full canvas cuts them (see _draw)
        boxes = clipped_boxes(self.layout.bbox[self.first : stop], w, h, margin=0)
        # wholly outside the image: an empty mask, hidden by nothing, hiding nothing
        on_image = dn_drawn & (boxes[:, 0] <= boxes[:, 2])
        # an object whose box meets no other box of its label adds its own area to the label's
        # covered pixels; only the others are drawn onto the label's union canvas and counted there
        shared = shares_with_own_label(boxes, classes, on_image)
        # a box wide enough for every pixel drawn (counting.clipped_boxes' margin)
        count_boxes = clipped_boxes(self.layout.bbox[self.first : stop], w, h)
        count_boxes[~on_image] = EMPTY_BOX
        hidden = ~unoccluded(count_boxes)
        box_list, count_list = boxes.tolist(), count_boxes.tolist()
        for k in np.flatnonzero(on_image)[::-1].tolist():
            label = int(classes[k])
            rings = self.starts.rings(self.first + k)
            self._draw(k, label, rings, box_list[k], bool(shared[k]), count_list[k] if hidden[k] else None)
        mask_area = self.mask_area[self.first : stop]
        labels, objects = np.unique(classes[dn_drawn], return_counts=True)
        for label, count in zip(labels.tolist(), objects.tolist(), strict=True):
            of_label = on_image & (classes == label)
            covered = int(mask_area[of_label & ~shared].sum())
            in_union = of_label & shared
            if in_union.any():
                x0, y0 = boxes[in_union, :2].min(axis=0)
                x1, y1 = boxes[in_union, 2:].max(axis=0)
                region = self.union.of(label, (h, w))[y0 : y1 + 1, x0 : x1 + 1]
                covered += cv2.countNonZero(region)
                region.fill(0)
                self.union.give_back(label)
            yield label, count, covered

    def _draw(
        self, k: int, label: int, rings: list[np.ndarray], box: list[int], shared: bool, count_box: list[int] | None
    ) -> None:
        """Object k's mask, in a patch of whole heatmap cells around its clipped bounding box.

        Every later object is already on the cover; `count_box` (None when no later object's box
        meets object k's) holds every pixel k may cover, where its visible pixels are counted.
        """
        x0, y0, x1, y1 = box
        c, (h, w) = self.cell_px, self.cover.shape
        cx0, cy0, cx1, cy1 = x0 // c, y0 // c, x1 // c + 1, y1 // c + 1
        patch = np.zeros(((cy1 - cy0) * c, (cx1 - cx0) * c), np.uint8)
        offset = (-cx0 * c, -cy0 * c)
        # drawn in the part of the patch on the image: a ring reaching out of the patch is then cut
        # where the full canvas cuts it, at the image's edge (fillPoly's clipping is not exact
        # elsewhere: a hole cut at a patch edge inside the image changed a pixel)
        on_image = patch[: h - cy0 * c, : w - cx0 * c]
        cv2.fillPoly(on_image, rings[:1], 1, offset=offset)
        if len(rings) > 1:
            cv2.fillPoly(on_image, rings[1:], 0, offset=offset)
        cells = _cell_sums(patch, c)
        self.heatmap[label, cy0:cy1, cx0:cx1] += cells
        area = self.mask_area[self.first + k] = cells.sum()
        if count_box is None:  # no later object's box meets it: all of it shows
            self.visible_area[self.first + k] = area
        else:
            bx0, by0, bx1, by1 = count_box
            counted = self.cover[by0 : by1 + 1, bx0 : bx1 + 1]
            hidden_px = cv2.countNonZero(counted)
        if len(rings) == 1:  # straight onto the canvases: costs the object's area, not its box
            cv2.fillPoly(self.cover, rings, 1)
            if shared:
                cv2.fillPoly(self.union.of(label, (h, w)), rings, 1)
        else:
            # the holes leave the canvases as they are: only the object's own pixels are added
            mask = patch[y0 - cy0 * c : y1 + 1 - cy0 * c, x0 - cx0 * c : x1 + 1 - cx0 * c]
            region = self.cover[y0 : y1 + 1, x0 : x1 + 1]
            cv2.bitwise_or(region, mask, dst=region)
            if shared:
                region = self.union.of(label, (h, w))[y0 : y1 + 1, x0 : x1 + 1]
                cv2.bitwise_or(region, mask, dst=region)
        if count_box is not None:  # the pixels it added to the cover are those where it shows
            self.visible_area[self.first + k] = cv2.countNonZero(counted) - hidden_px


def _cell_sums(patch: np.ndarray, c: int) -> np.ndarray:
    """The sum of each c x c cell of a 0/1 patch of whole cells (C-contiguous)."""
    rows, cols = patch.shape[0] // c, patch.shape[1] // c
    if rows * cols < MANY_CELLS or c % 8 or c > 255:
        # c pixels of a row at a time, then c rows
        row_sums = cv2.reduce(patch.reshape(-1, c), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S)
        return row_sums.reshape(rows, c, cols).sum(axis=1)
    # c rows first, as uint64 words: each byte sums one column of a cell and holds at most c, so
    # never carries into the next; then the c column sums of a cell. Twice as fast on a whole image
    columns = patch.view(np.uint64).reshape(rows, c, -1).sum(axis=1)
    row_sums = cv2.reduce(columns.view(np.uint8).reshape(-1, c), 1, cv2.REDUCE_SUM, dtype=cv2.CV_32S)
    return row_sums.reshape(rows, cols)


class _Starts:
    """Where each object's rings and point list lie in a batch's layout, read as Python ints.

    Read item by item from the layout's numpy arrays, the starts cost about 2 us per object in each
    rasterisation; they are made lists once per batch instead.
    """

    def __init__(self, layout: PolygonLayout) -> None:
        self.xy = layout.xy
        # what official.pillow_path makes of each point list, made once: its slices are float32 already
        self.xy_float32 = layout.xy.astype(np.float32)
        self.ring_starts = layout.ring_starts.tolist()
        self.vertex_starts = layout.vertex_starts.tolist()

    def rings(self, j: int) -> list[np.ndarray]:
        """Object j's non-empty rings, exterior first, as int32 (n, 2) arrays for OpenCV."""
        starts, xy = self.vertex_starts, self.xy
        return [
            xy[starts[r] : starts[r + 1]]
            for r in range(self.ring_starts[j], self.ring_starts[j + 1])
            if starts[r + 1] > starts[r]
        ]

    def point_list(self, j: int) -> np.ndarray:
        """Object j's rings joined in order, the point list of the polygon file (see official.py),
        as float32 (n, 2)."""
        starts, rings = self.vertex_starts, self.ring_starts
        return self.xy_float32[starts[rings[j]] : starts[rings[j + 1]]]
