"""Per-object geometry, computed over all objects at once (numpy and shapely 2 array functions).

The vertices of every ring of every object sit in one (n, 2) array; `ring_lengths` cuts it into
rings and `rings_per_object` groups rings into objects, the first ring being the exterior. No
Python loop runs per object or per vertex here.

GEOS (through shapely) answers the hard questions: validity and its reason, and the centroid.
Both are first tried without it, and GEOS objects are built only for what is left:
- validity (`star_shaped`): an exact proof, in integers, for an outline star-shaped around its
  vertices' mean (96 % of the replica's, which draws them so), at a tenth of the cost;
- the centroid (`exact_centroids`): GEOS's own double, for a ring small enough that every sum
  GEOS adds on the way is an exact integer (98 % of the replica's objects).
The WKB is written from the vertex arrays (`polygons_wkb`), byte for byte what `shapely.to_wkb`
writes, rings closed the way shapely closes them.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

# shapely is imported where GEOS is called: a build's main process imports this module (tables.py)
# but measures nothing, and the import took 10 ms of its start, before any worker runs

VALID = "Valid Geometry"
# below it, vertices seen from a point of their ring differ by less than 2**31 each way, so their
# cross products fit int64, and float64 (GEOS) holds every coordinate exactly
EXACT_COORDINATE = 2**30


def starts(lengths: np.ndarray) -> np.ndarray:
    """Where each run begins, given the run lengths."""
    first = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=first[1:])
    return first


def measure(
    xy: np.ndarray, ring_lengths: np.ndarray, rings_per_object: np.ndarray, width: np.ndarray, height: np.ndarray
) -> dict[str, np.ndarray | pa.Array]:
    """Columns of the `objects` table that depend on geometry, one value per object."""
    import shapely

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
    ring_ends = ring_starts + ring_lengths - 1
    x_next, y_next = _next_in_ring(x, ring_starts, ring_ends), _next_in_ring(y, ring_starts, ring_ends)

    cross = x * y_next - x_next * y  # twice the signed area each edge spans with the origin
    ring_area2 = np.add.reduceat(cross, ring_starts)  # twice each ring's signed area (shoelace)
    ring_area = np.abs(ring_area2) / 2
    # each edge as GEOS measures it, sqrt(dx*dx + dy*dy): np.hypot took twice the time (the sum
    # is GEOS's length to 1e-12, not bit for bit: reduceat adds in another order than GEOS's loop)
    dx, dy = x_next - x, y_next - y
    ring_length = np.add.reduceat(np.sqrt(dx * dx + dy * dy), ring_starts)
    exterior_area = ring_area[exterior]
    all_rings_area = np.add.reduceat(ring_area, object_ring_starts)
    perimeter = np.add.reduceat(ring_length, object_ring_starts)

    # bounding box over the exterior ring's vertices
    ring_x_min, ring_x_max = np.minimum.reduceat(xy[:, 0], ring_starts), np.maximum.reduceat(xy[:, 0], ring_starts)
    ring_y_min, ring_y_max = np.minimum.reduceat(xy[:, 1], ring_starts), np.maximum.reduceat(xy[:, 1], ring_starts)
    x_min, x_max, y_min, y_max = ring_x_min[exterior], ring_x_max[exterior], ring_y_min[exterior], ring_y_max[exterior]

    # any vertex of any ring outside [0, width-1] x [0, height-1]: the bounds of all its rings are
    # (per ring, then per object, rather than each vertex against its image's size)
    out_of_bounds = (
        (np.minimum.reduceat(ring_x_min, object_ring_starts) < 0)
        | (np.maximum.reduceat(ring_x_max, object_ring_starts) > width - 1)
        | (np.minimum.reduceat(ring_y_min, object_ring_starts) < 0)
        | (np.maximum.reduceat(ring_y_max, object_ring_starts) > height - 1)
    )
    vertices_per_object = np.add.reduceat(ring_lengths, object_ring_starts)

    reach = np.abs(np.stack([x_min, x_max, y_min, y_max]).astype(np.int64)).max(axis=0)  # int64: abs(-2**31)
    centroid_x, centroid_y, exact = exact_centroids(
        cross, ring_area2, x + x_next, y + y_next, ring_starts, ring_lengths, rings_per_object, reach
    )
    unproven = ~star_shaped(xy, ring_lengths, rings_per_object)
    # GEOS objects only for the objects a shortcut left to GEOS
    to_geos = unproven | ~exact
    geoms = np.empty(len(rings_per_object), dtype=object)
    geoms[to_geos] = polygons_of(xy, ring_lengths, rings_per_object, vertices_per_object, to_geos)
    reason = np.full(len(rings_per_object), VALID, dtype=object)
    reason[unproven] = shapely.is_valid_reason(geoms[unproven])
    is_valid = reason == VALID
    centroids = shapely.centroid(geoms[~exact])
    centroid_x[~exact], centroid_y[~exact] = shapely.get_x(centroids), shapely.get_y(centroids)
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
        "centroid_x": centroid_x,
        "centroid_y": centroid_y,
        "is_valid": is_valid,
        "invalid_reason": np.where(is_valid, None, reason),
        "out_of_bounds": out_of_bounds,
        "geometry": polygons_wkb(xy, ring_lengths, rings_per_object),
    }


# Below both, GEOS's fan terms (twice a triangle's area, at most 8 * reach**2, times three
# coordinates summed, at most 3 * reach) stay under 2**41, and a ring's sum of them under 2**53
EXACT_CENTROID_REACH = 2**12
EXACT_CENTROID_VERTICES = 2**12


def exact_centroids(
    cross: np.ndarray,
    ring_area2: np.ndarray,
    x_pairs: np.ndarray,
    y_pairs: np.ndarray,
    ring_starts: np.ndarray,
    ring_lengths: np.ndarray,
    rings_per_object: np.ndarray,
    reach: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per object, the centroid `shapely.centroid` gives, where it is computed here exactly; and where.

    GEOS (Centroid.cpp) sums a fan of triangles from the shell's first vertex: twice each one's
    signed area, and that times the sum of its three vertices, in float64, then divides the
    moment by 3 and by the area. For a single ring of integers within EXACT_CENTROID_REACH and
    of at most EXACT_CENTROID_VERTICES vertices, every term and every partial sum is an integer
    below 2**53, so float64 holds it exactly and GEOS's two sums are the exact integers. A fan from
    the origin has the same two sums (the shoelace's cross products and the moments
    cross * (x_i + x_next)), and its terms are smaller still, so the same two divisions give the
    same double. The orientation GEOS applies flips the sign of both sums, which the division
    cancels, except for a moment of 0: GEOS's zero then takes the sign of its orientation, so
    that coordinate's sign is GEOS's to give. Left to GEOS (exact False): rings with holes
    (their orientations matter), a ring of zero area (GEOS then takes its outline's centroid),
    a centroid with a coordinate of 0, and rings beyond either bound.
    `ring_area2` is each ring's sum of `cross`; `x_pairs`, `y_pairs` are each vertex's coordinate
    plus the next one's within its ring; at least one object.
    """
    moment_x = np.add.reduceat(cross * x_pairs, ring_starts)
    moment_y = np.add.reduceat(cross * y_pairs, ring_starts)
    shell = starts(rings_per_object)  # the first ring of each object: its only ring where exact
    area2, moment_x, moment_y = ring_area2[shell], moment_x[shell], moment_y[shell]
    exact = (
        (rings_per_object == 1)
        & (reach <= EXACT_CENTROID_REACH)
        & (ring_lengths[shell] <= EXACT_CENTROID_VERTICES)
        & (area2 != 0)
        & (moment_x != 0)
        & (moment_y != 0)
    )
    divisor = np.where(exact, area2, 1.0)
    return moment_x / 3 / divisor, moment_y / 3 / divisor, exact


def star_shaped(xy: np.ndarray, ring_lengths: np.ndarray, rings_per_object: np.ndarray) -> np.ndarray:
    """Per object, whether it is proven a valid polygon: one ring, star-shaped around an integer point.

    Seen from a point p, let every edge a -> b of the ring turn the same way around p (the cross
    products (a - p) x (b - p) all > 0, or all < 0) and the ring cross the horizontal line through
    p upwards once (with all turns one way, Sunday's winding number counts exactly those crossings,
    or the downward ones, which a closed ring has as many of). The direction from p then turns
    strictly along the ring, by exactly one turn in all, so no two points of the ring lie in the
    same direction from p and none coincide: the ring is simple, and a polygon of one simple ring
    is valid. A repeated vertex, a spike or a fold makes some cross product 0 or of the other sign,
    and the object is left to GEOS. p is the vertices' mean, rounded: integers throughout, so the
    test is exact. A ring with a coordinate of EXACT_COORDINATE or more (far beyond any image; the
    parser admits 2**20) is left to GEOS: its products could overflow int64, and GEOS, in float64,
    might not see the ring this test sees. False only means "not proven here", never "invalid".
    """
    ring_lengths = np.asarray(ring_lengths, dtype=np.int64)
    rings_per_object = np.asarray(rings_per_object, dtype=np.int64)
    one_ring = rings_per_object == 1
    if not len(ring_lengths):
        return one_ring
    ring_starts = starts(ring_lengths)
    ring_ends = ring_starts + ring_lengths - 1
    x, y = xy[:, 0].astype(np.int64), xy[:, 1].astype(np.int64)
    reach = np.maximum.reduceat(np.maximum(np.abs(x), np.abs(y)), ring_starts)
    # each vertex seen from its ring's centre (a), and the next vertex of the ring seen from there (b)
    ax, ay = (_from_ring_mean(values, ring_starts, ring_lengths) for values in (x, y))
    bx, by = (_next_in_ring(values, ring_starts, ring_ends) for values in (ax, ay))
    turns = np.add.reduceat(np.sign(ax * by - ay * bx), ring_starts)  # +1 left, -1 right, 0 neither
    crossings_up = np.add.reduceat((ay <= 0) & (by > 0), ring_starts, dtype=np.int64)
    proven_ring = (reach < EXACT_COORDINATE) & (np.abs(turns) == ring_lengths) & (crossings_up == 1)
    # an object of one ring is proven when that ring is
    return one_ring & proven_ring[starts(rings_per_object)]


def _from_ring_mean(values: np.ndarray, ring_starts: np.ndarray, ring_lengths: np.ndarray) -> np.ndarray:
    mean = (np.add.reduceat(values, ring_starts) + ring_lengths // 2) // ring_lengths  # rounded
    return values - np.repeat(mean, ring_lengths)


def _next_in_ring(values: np.ndarray, ring_starts: np.ndarray, ring_ends: np.ndarray) -> np.ndarray:
    following = np.empty_like(values)
    following[:-1] = values[1:]
    following[ring_ends] = values[ring_starts]  # the last vertex of a ring is followed by its first
    return following


def polygons(xy: np.ndarray, ring_lengths: np.ndarray, rings_per_object: np.ndarray) -> np.ndarray:
    """One shapely Polygon per object. Rings are closed by shapely, vertices otherwise kept as drawn."""
    import shapely

    ring_offsets = np.concatenate([[0], np.cumsum(ring_lengths)])
    object_offsets = np.concatenate([[0], np.cumsum(rings_per_object)])
    return shapely.from_ragged_array(
        shapely.GeometryType.POLYGON, xy.astype(np.float64), offsets=(ring_offsets, object_offsets)
    )


def polygons_of(
    xy: np.ndarray,
    ring_lengths: np.ndarray,
    rings_per_object: np.ndarray,
    vertices_per_object: np.ndarray,
    which: np.ndarray,
) -> np.ndarray:
    """`polygons` of the objects where `which` is True, in their order."""
    rings = np.repeat(which, rings_per_object)
    return polygons(xy[np.repeat(which, vertices_per_object)], ring_lengths[rings], rings_per_object[which])


def closing_points(xy: np.ndarray, ring_lengths: np.ndarray, ring_starts: np.ndarray) -> np.ndarray:
    """1 where shapely appends the first vertex to close a ring, else 0.

    shapely's `linearrings` keeps a ring whose last vertex repeats its first, unless it has only 3
    points: a ring [a, b, a] becomes [a, b, a, a] (which GEOS then finds has too few points).
    """
    first = xy[ring_starts]
    last = xy[ring_starts + ring_lengths - 1]
    already_closed = (first == last).all(axis=1) & (ring_lengths >= 4)
    return (~already_closed).astype(np.int64)


# WKB, little-endian and 2D as shapely writes it: per object a byte order (1), the type
# (3, Polygon) and the ring count as uint32; per ring its point count as uint32, then x, y as float64
LITTLE_ENDIAN = 1
WKB_POLYGON = 3
OBJECT_HEADER_BYTES = 1 + 4 + 4
RING_HEADER_BYTES = 4
POINT_BYTES = 2 * 8
INT32_MAX = 2**31 - 1


def polygons_wkb(xy: np.ndarray, ring_lengths: np.ndarray, rings_per_object: np.ndarray) -> pa.Array:
    """The WKB of each object's polygon, as `shapely.to_wkb(polygons(...))` writes it, in one Arrow
    binary array: one byte buffer filled by a few numpy passes, handed to Arrow without a copy."""
    ring_lengths = np.asarray(ring_lengths, dtype=np.int64)
    rings_per_object = np.asarray(rings_per_object, dtype=np.int64)
    ring_starts = starts(ring_lengths)
    points_per_ring = ring_lengths + closing_points(xy, ring_lengths, ring_starts)
    ring_bytes = RING_HEADER_BYTES + POINT_BYTES * points_per_ring
    object_of_ring = np.repeat(np.arange(len(rings_per_object)), rings_per_object)

    # where each ring and each object begins in the buffer: an object's rings follow its header
    ring_at = starts(ring_bytes) + OBJECT_HEADER_BYTES * (object_of_ring + 1)
    object_at = ring_at[starts(rings_per_object)] - OBJECT_HEADER_BYTES
    size = int(ring_at[-1] + ring_bytes[-1]) if len(ring_bytes) else 0

    buffer = np.empty(size, dtype=np.uint8)
    is_coordinate = np.ones(size, dtype=bool)
    object_header = np.concatenate(
        [
            np.full((len(object_at), 1), LITTLE_ENDIAN, np.uint8),
            _uint32_bytes(np.full(len(object_at), WKB_POLYGON)),
            _uint32_bytes(rings_per_object),
        ],
        axis=1,
    )
    _write_header(buffer, is_coordinate, object_at, object_header)
    _write_header(buffer, is_coordinate, ring_at, _uint32_bytes(points_per_ring))
    # the coordinates fill every byte left, in buffer order
    points = _closed_ring_points(xy, ring_starts, ring_lengths, points_per_ring)
    buffer[is_coordinate] = points.view(np.uint8).ravel()

    offsets = np.append(object_at, size)
    # a batch holds a few MiB of source, so its WKB fits 32-bit offsets; the schema's cast is left
    # to refuse a bigger one, rather than the offsets silently wrapping around
    kind, offset_type = (pa.binary(), np.int32) if size <= INT32_MAX else (pa.large_binary(), np.int64)
    buffers = [None, pa.py_buffer(offsets.astype(offset_type)), pa.py_buffer(buffer)]
    return pa.Array.from_buffers(kind, len(object_at), buffers)


def _closed_ring_points(
    xy: np.ndarray, ring_starts: np.ndarray, ring_lengths: np.ndarray, points_per_ring: np.ndarray
) -> np.ndarray:
    """The points as written, little-endian float64: each ring as given, then its first vertex if shapely closes it."""
    closes = points_per_ring > ring_lengths
    closing_at = (starts(points_per_ring) + ring_lengths)[closes]
    is_given = np.ones(int(points_per_ring.sum()), dtype=bool)
    is_given[closing_at] = False
    # each (x, y) pair moved as one 8-byte item: much faster than rows of an (n, 2) array
    pairs = _as_pairs(xy)
    points = np.empty(len(is_given), dtype=pairs.dtype)
    points[is_given] = pairs
    points[closing_at] = pairs[ring_starts[closes]]
    return points.view(xy.dtype).reshape(-1, 2).astype("<f8")


def _as_pairs(xy: np.ndarray) -> np.ndarray:
    """The (n, 2) vertices as n items of one pair each (a structured view, no copy when contiguous)."""
    xy = np.ascontiguousarray(xy)
    return xy.view(np.dtype((np.void, 2 * xy.dtype.itemsize))).ravel()


def _uint32_bytes(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("<u4").view(np.uint8).reshape(-1, 4)


def _write_header(buffer: np.ndarray, is_coordinate: np.ndarray, at: np.ndarray, rows: np.ndarray) -> None:
    """Write each row of header bytes at its position in `at`, and mark those bytes as no coordinate."""
    where = at[:, None] + np.arange(rows.shape[1])
    buffer[where] = rows
    is_coordinate[where] = False
