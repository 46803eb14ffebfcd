"""The warehouse tables -> flat numpy arrays the rasteriser walks, images in table order.

Objects are sorted by (image, draw_order) and rings by (object, ring), so an image's objects, an
object's rings and a ring's vertices are each one contiguous run: a batch of images is a slice
that pickles cheaply to a worker process, with no per-object Python structure to build or send.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .official import INSTANCE_FACTOR, NOT_DRAWN, official_values


@dataclass(frozen=True)
class PolygonLayout:
    """Every polygon of a run of images. `*_starts` arrays have one more entry than items."""

    widths: np.ndarray  # (images,) int32
    heights: np.ndarray  # (images,) int32
    object_starts: np.ndarray  # (images + 1,) int64: objects of image i, in draw order
    object_class: np.ndarray  # (objects,) int32: index into `labels`
    bbox: np.ndarray  # (objects, 4) int32: x0, y0, x1, y1 over every ring (the point list), inclusive
    ring_starts: np.ndarray  # (objects + 1,) int64: rings of object j, exterior first
    vertex_starts: np.ndarray  # (rings + 1,) int64
    xy: np.ndarray  # (vertices, 2) int32
    labels: tuple[str, ...]
    grid_shape: tuple[int, int]  # (rows, columns) of heatmap cells covering the largest image
    # Objects only the official label images show (from `rejects`: 2-point objects, `busgroup`)
    # are False: Dataset Ninja's figures never saw them.
    dn_drawn: np.ndarray  # (objects,) bool
    official_label: np.ndarray  # (objects,) int16: value in labelIds, NOT_DRAWN (-1) if never drawn
    official_train: np.ndarray  # (objects,) int16: value in trainIds
    official_instance: np.ndarray  # (objects,) int32: value in instanceIds
    # per image, readers of its label PNGs by kind (label_pngs.py), or None; empty when not compared
    label_pngs: tuple = ()

    @property
    def n_images(self) -> int:
        return len(self.widths)

    def images(self, start: int, stop: int) -> PolygonLayout:
        """Images [start, stop) with their objects, rings and vertices, offsets rebased to 0."""
        o0, o1 = self.object_starts[start], self.object_starts[stop + 0]
        r0, r1 = self.ring_starts[o0], self.ring_starts[o1]
        v0, v1 = self.vertex_starts[r0], self.vertex_starts[r1]
        return PolygonLayout(
            widths=self.widths[start:stop],
            heights=self.heights[start:stop],
            object_starts=self.object_starts[start : stop + 1] - o0,
            object_class=self.object_class[o0:o1],
            bbox=self.bbox[o0:o1],
            ring_starts=self.ring_starts[o0 : o1 + 1] - r0,
            vertex_starts=self.vertex_starts[r0 : r1 + 1] - v0,
            xy=self.xy[v0:v1],
            labels=self.labels,
            grid_shape=self.grid_shape,
            dn_drawn=self.dn_drawn[o0:o1],
            official_label=self.official_label[o0:o1],
            official_train=self.official_train[o0:o1],
            official_instance=self.official_instance[o0:o1],
            label_pngs=self.label_pngs[start:stop],
        )


@dataclass(frozen=True)
class LayoutIndex:
    """The ids that go with the layout's positions, kept in the parent process."""

    image_id: pa.Array  # one per image, layout order
    object_id: pa.Array  # one per object, layout order


OBJECT_COLUMNS = ("object_id", "image_id", "draw_order", "label")
POLYGON_COLUMNS = ("object_id", "ring", "vertices")
MAX_COPY_RUNS = 10_000  # runs of rings vertices_in_order copies one by one before it takes instead


def layout_from_tables(
    images: pa.Table,
    objects: pa.Table,
    polygons: pa.Table,
    cell_px: int,
    official_only: tuple[pa.Table, pa.Table] | None = None,
    label_pngs: dict[str, dict] | None = None,
) -> tuple[PolygonLayout, LayoutIndex]:
    """The layout of `images`; `official_only` adds (objects, polygons) drawn only in the official images.

    `label_pngs`, readers of label PNGs by polygon file (`images.source_path`), are attached to
    their images for the comparison.
    """
    objects = objects.select(OBJECT_COLUMNS).append_column("dn_drawn", pa.repeat(True, objects.num_rows))
    polygons = polygons.select(POLYGON_COLUMNS)
    if official_only is not None:
        extra_objects, extra_polygons = official_only
        extra_objects = extra_objects.select(OBJECT_COLUMNS).cast(objects.schema.remove(4))
        extra_objects = extra_objects.append_column("dn_drawn", pa.repeat(False, extra_objects.num_rows))
        objects = pa.concat_tables([objects, extra_objects])
        polygons = pa.concat_tables([polygons, extra_polygons.select(POLYGON_COLUMNS).cast(polygons.schema)])
    image_id = images["image_id"].combine_chunks()
    objects, image_of_object = _known(objects, pc.index_in(objects["image_id"], value_set=image_id))
    order = np.lexsort((objects["draw_order"].to_numpy(), image_of_object))
    # a build writes objects and rings in order, so without rejected objects the official images
    # draw (appended at the end) the sorts are the identity and the tables need no copy
    if not _in_order(order):
        objects = objects.take(order)
        image_of_object = image_of_object[order]
    object_id = objects["object_id"].combine_chunks()

    polygons, object_of_ring = _known(polygons, pc.index_in(polygons["object_id"], value_set=object_id))
    ring_order = np.lexsort((polygons["ring"].to_numpy(), object_of_ring))
    object_of_ring = object_of_ring[ring_order]
    xy, vertex_starts = vertices_in_order(polygons["vertices"], ring_order)

    ring_starts = np.searchsorted(object_of_ring, np.arange(len(object_id) + 1)).astype(np.int64)
    labels = tuple(sorted(set(objects["label"].to_pylist())))
    object_class = pc.index_in(objects["label"], value_set=pa.array(labels, pa.string())).to_numpy()
    official = [official_values(label) or (NOT_DRAWN, NOT_DRAWN, False) for label in labels]
    official_label = np.array([v[0] for v in official], np.int16)[object_class]
    numbered = np.array([v[2] for v in official], bool)[object_class]
    widths = images["width"].to_numpy().astype(np.int32)
    heights = images["height"].to_numpy().astype(np.int32)
    layout = PolygonLayout(
        widths=widths,
        heights=heights,
        object_starts=np.searchsorted(image_of_object, np.arange(len(image_id) + 1)).astype(np.int64),
        object_class=object_class.astype(np.int32),
        bbox=_bbox(xy, vertex_starts[ring_starts[:-1]], vertex_starts[ring_starts[1:]]),
        ring_starts=ring_starts,
        vertex_starts=vertex_starts,
        xy=xy,
        labels=labels,
        grid_shape=(_cells(heights, cell_px), _cells(widths, cell_px)),
        dn_drawn=objects["dn_drawn"].to_numpy(zero_copy_only=False),
        official_label=official_label,
        official_train=np.array([v[1] for v in official], np.int16)[object_class],
        official_instance=_instance_ids(official_label, numbered, image_of_object),
        label_pngs=tuple(label_pngs.get(path) for path in images["source_path"].to_pylist()) if label_pngs else (),
    )
    return layout, LayoutIndex(image_id=image_id, object_id=object_id)


def vertices_in_order(vertices: pa.ChunkedArray, ring_order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The rings' vertices as one (n, 2) int32 array, rings in `ring_order` (positions in `vertices`),
    and where each ring starts in it (one more entry than rings).

    Rings that follow each other in the table and in the order are copied as one run, straight from
    the table's memory into the array the layout keeps. A build writes rings in order; the few
    objects only the official images draw come at the end, so a handful of runs copy everything.
    Arrow's take, a combine and numpy's column_stack held the vertices up to four times over (the
    main process peaked at 1.1 GB building the layout of twice the release). Beyond MAX_COPY_RUNS
    runs (a table in another order) one take does it.
    """
    if len(ring_order) == 0:
        return np.empty((0, 2), np.int32), np.zeros(1, np.int64)
    run_starts = np.flatnonzero(np.diff(ring_order, prepend=-2) != 1)
    if len(run_starts) > MAX_COPY_RUNS:  # taken, the rings are in order: one run
        return vertices_in_order(vertices.take(pa.array(ring_order)), np.arange(len(ring_order)))
    lengths = np.concatenate(
        [np.diff(chunk.offsets.to_numpy()).astype(np.int64) for chunk in vertices.chunks] + [np.empty(0, np.int64)]
    )
    vertex_starts = np.zeros(len(ring_order) + 1, np.int64)
    np.cumsum(lengths[ring_order], out=vertex_starts[1:])
    chunks = [_coordinates(chunk) for chunk in vertices.chunks]
    source_starts = np.concatenate([[0], np.cumsum(lengths)])
    xy = np.empty((int(vertex_starts[-1]), 2), np.int32)
    run_stops = np.append(run_starts[1:], len(ring_order))
    for first, stop in zip(run_starts.tolist(), run_stops.tolist(), strict=True):
        at, end = int(source_starts[ring_order[first]]), int(source_starts[ring_order[stop - 1] + 1])
        _copy_run(chunks, at, end, xy[int(vertex_starts[first]) :])
    return xy, vertex_starts


def _copy_run(chunks: list[tuple[np.ndarray, np.ndarray]], at: int, end: int, out: np.ndarray) -> None:
    """Vertices [at, end) of a chunked column (numbered across its chunks) into the front of `out`."""
    written, chunk_start = 0, 0
    for x, y in chunks:
        chunk_stop = chunk_start + len(x)
        if at < chunk_stop and chunk_start < end:  # a run may cross from one chunk into the next
            local = slice(max(at, chunk_start) - chunk_start, min(end, chunk_stop) - chunk_start)
            n = local.stop - local.start
            out[written : written + n, 0] = x[local]
            out[written : written + n, 1] = y[local]
            written += n
        chunk_start = chunk_stop


def _coordinates(chunk: pa.ListArray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of a chunk's vertices, as numpy views of its memory where Arrow allows."""
    points = chunk.flatten()
    return points.field("x").to_numpy(zero_copy_only=False), points.field("y").to_numpy(zero_copy_only=False)


def _known(table: pa.Table, position: pa.ChunkedArray) -> tuple[pa.Table, np.ndarray]:
    """The rows whose `position` (in the table they refer to) is known, and those positions.

    Filtered only when a row is unknown: a filter copies the table even when it keeps every row
    (the polygons, 130 MB at twice the release).
    """
    if position.null_count:
        known = pc.is_valid(position)
        table, position = table.filter(known), position.filter(known)
    return table, position.to_numpy()


def _in_order(order: np.ndarray) -> bool:
    return bool((order == np.arange(len(order))).all())


def _instance_ids(label: np.ndarray, numbered: np.ndarray, image_of_object: np.ndarray) -> np.ndarray:
    """createInstanceImage's values: label_id * 1000 + n for the n-th object of its class in the image.

    Objects are in (image, draw_order) order, so a stable sort by (image, class) ranks each class's
    objects of an image in file order.
    """
    instance = label.astype(np.int32)
    at = np.flatnonzero(numbered)
    if len(at):
        key = image_of_object[at].astype(np.int64) * 1024 + label[at]
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        first = np.searchsorted(sorted_key, sorted_key, side="left")
        rank = np.empty(len(at), np.int64)
        rank[order] = np.arange(len(at)) - first
        instance[at] = label[at].astype(np.int32) * INSTANCE_FACTOR + rank
    return instance


def _bbox(xy: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> np.ndarray:
    """x0, y0, x1, y1 over the vertices [start, stop) of each object; none gives the empty box."""
    bbox = np.tile(np.array([0, 0, -1, -1], np.int32), (len(starts), 1))
    filled = np.flatnonzero(stops > starts)
    if len(filled) == 0:
        return bbox
    # reduceat reduces from each index to the next: the runs of the filled objects interleaved
    # with the gaps between them (a gap of zero length yields a value that is dropped)
    bounds = np.column_stack([starts[filled], stops[filled]]).ravel()
    if bounds[-1] == len(xy):
        bounds = bounds[:-1]
    low = np.minimum.reduceat(xy, bounds, axis=0)[::2]
    high = np.maximum.reduceat(xy, bounds, axis=0)[::2]
    bbox[filled] = np.column_stack([low, high])
    return bbox


def _cells(sizes: np.ndarray, cell_px: int) -> int:
    return int(-(-int(sizes.max()) // cell_px)) if len(sizes) else 0
