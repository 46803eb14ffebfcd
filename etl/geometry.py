"""Per-object geometry, computed over all objects at once (numpy and shapely 2 array functions).

The vertices of every ring of every object sit in one (n, 2) array; `ring_lengths` cuts it into
rings and `rings_per_object` groups rings into objects, the first ring being the exterior. No
Python loop runs per object or per vertex here.
"""

from __future__ import annotations

import numpy as np
import shapely

VALID = "Valid Geometry"


def starts(lengths: np.ndarray) -> np.ndarray:
    """Where each run begins, given the run lengths."""
    first = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    return first


def measure(
    xy: np.ndarray, ring_lengths: np.ndarray, rings_per_object: np.ndarray, width: np.ndarray, height: np.ndarray
) -> dict[str, np.ndarray]:
    """Columns of the `objects` table that depend on geometry, one value per object."""
    ring_lengths = np.asarray(ring_lengths, dtype=np.int64)
    rings_per_object = np.asarray(rings_per_object, dtype=np.int64)
    if len(rings_per_object) == 0:
        # reduceat cannot take empty input: measure one dummy triangle and keep none of it
        one = measure(np.array([[0, 0], [1, 0], [0, 1]], np.int32), [3], [1], np.ones(1), np.ones(1))
        return {name: values[:0] for name, values in one.items()}
    ring_starts = starts(ring_lengths)
    object_ring_starts = starts(rings_per_object)
    exterior = object_ring_starts  # the first ring of each object
    x = xy[:, 0].astype(np.float64)
    y = xy[:, 1].astype(np.float64)

    # the next vertex of each vertex within its ring, wrapping the last back to the first
    nxt = np.arange(len(xy)) + 1
    nxt[ring_starts + ring_lengths - 1] = ring_starts
    x_next, y_next = x[nxt], y[nxt]

    ring_area = np.abs(np.add.reduceat(x * y_next - x_next * y, ring_starts)) / 2  # shoelace
    ring_length = np.add.reduceat(np.hypot(x_next - x, y_next - y), ring_starts)
    exterior_area = ring_area[exterior]
    all_rings_area = np.add.reduceat(ring_area, object_ring_starts)
    perimeter = np.add.reduceat(ring_length, object_ring_starts)

    # bounding box over the exterior ring's vertices
    x_min = np.minimum.reduceat(xy[:, 0], ring_starts)[exterior]
    x_max = np.maximum.reduceat(xy[:, 0], ring_starts)[exterior]
    y_min = np.minimum.reduceat(xy[:, 1], ring_starts)[exterior]
    y_max = np.maximum.reduceat(xy[:, 1], ring_starts)[exterior]

    # any vertex of any ring outside [0, width-1] x [0, height-1]
    vertices_per_object = np.add.reduceat(ring_lengths, object_ring_starts)
    w = np.repeat(width, vertices_per_object)
    h = np.repeat(height, vertices_per_object)
    outside = ((xy[:, 0] < 0) | (xy[:, 0] > w - 1) | (xy[:, 1] < 0) | (xy[:, 1] > h - 1)).astype(np.int8)
    vertex_starts = starts(vertices_per_object)
    out_of_bounds = np.maximum.reduceat(outside, vertex_starts) > 0

    geoms = polygons(xy, ring_lengths, rings_per_object)
    reason = shapely.is_valid_reason(geoms)
    is_valid = reason == VALID
    centroids = shapely.centroid(geoms)
    return {
        "n_vertices": vertices_per_object,
        "n_holes": rings_per_object - 1,
        "exterior_area_px": exterior_area,
        "area_px": 2 * exterior_area - all_rings_area,  # exterior minus the holes
        "perimeter_px": perimeter,
        "x_min": x_min,
        "y_min": y_min,
        "x_max": x_max,
        "y_max": y_max,
        "bbox_width_px": x_max - x_min + 1,
        "bbox_height_px": y_max - y_min + 1,
        "centroid_x": shapely.get_x(centroids),
        "centroid_y": shapely.get_y(centroids),
        "is_valid": is_valid,
        "invalid_reason": np.where(is_valid, None, reason),
        "out_of_bounds": out_of_bounds,
        "geometry": shapely.to_wkb(geoms),
    }


def polygons(xy: np.ndarray, ring_lengths: np.ndarray, rings_per_object: np.ndarray) -> np.ndarray:
    """One shapely Polygon per object. Rings are closed by shapely, vertices otherwise kept as drawn."""
    ring_offsets = np.concatenate([[0], np.cumsum(ring_lengths)])
    object_offsets = np.concatenate([[0], np.cumsum(rings_per_object)])
    return shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, xy.astype(np.float64), offsets=(ring_offsets, object_offsets)
    )
