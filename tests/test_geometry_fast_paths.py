"""The shortcuts of geometry.py give exactly what shapely and GEOS give.

`polygons_wkb` must equal `shapely.to_wkb` byte for byte on hand-made corner cases, every object
of the small replica, and seeded random polygons. An object `star_shaped` proves valid must be
valid for GEOS, and `measure`'s validity must be GEOS's, on the same cases. `measure`'s centroids
must be the doubles `shapely.centroid` gives, bit for bit, whichever way each was computed.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from cityscapes_warehouse import geometry
from cityscapes_warehouse.formats import parse_file
from cityscapes_warehouse.geometry import (
    EXACT_CENTROID_REACH,
    EXACT_CENTROID_VERTICES,
    VALID,
    exact_centroids,
    measure,
    polygons,
    polygons_wkb,
    star_shaped,
    starts,
)
from cityscapes_warehouse.sources import open_source

SQUARE = [[0, 0], [10, 0], [10, 10], [0, 10]]
PENTAGRAM = [[10, 0], [-8, 6], [3, -10], [3, 10], [-8, -6]]  # a pentagon's corners taken two apart
FRAME = [[0, 0], [99, 0], [99, 49], [0, 49], [0, 0]]

# Each case: the rings of one object, exterior first, as drawn (closed or not).
CASES = {
    "triangle_counterclockwise": [[[0, 0], [4, 0], [0, 3]]],
    "triangle_clockwise": [[[0, 0], [0, 3], [4, 0]]],
    "square": [SQUARE],
    "square_already_closed": [SQUARE + [[0, 0]]],
    "square_clockwise_closed": [SQUARE[::-1] + [SQUARE[-1]]],
    "three_points_first_equals_last": [[[0, 0], [5, 5], [0, 0]]],
    "three_equal_points": [[[2, 2], [2, 2], [2, 2]]],
    "four_points_closed_triangle": [[[0, 0], [4, 0], [0, 3], [0, 0]]],
    "repeated_vertex": [[[0, 0], [10, 0], [10, 0], [10, 10], [0, 10]]],
    "repeated_first_vertex_at_end_twice": [SQUARE + [[0, 0], [0, 0]]],
    "collinear_vertex_on_an_edge": [[[0, 0], [5, 0], [10, 0], [10, 10], [0, 10]]],
    "spike_back_along_an_edge": [[[0, 0], [10, 0], [5, 0], [10, 10], [0, 10]]],
    "all_collinear": [[[0, 0], [1, 1], [2, 2], [3, 3]]],
    "bow_tie": [[[0, 0], [10, 10], [10, 0], [0, 10]]],
    "pentagram_left_turns": [PENTAGRAM],
    "pentagram_right_turns": [PENTAGRAM[::-1]],
    "square_wound_twice": [SQUARE + SQUARE],
    "concave_arrow": [[[0, 0], [10, 5], [0, 10], [3, 5]]],
    "concave_arrow_notch_off_the_mean": [[[0, 0], [10, 5], [0, 10], [2, 5]]],
    "square_with_hole": [SQUARE, [[2, 2], [2, 4], [4, 4], [4, 2]]],
    "square_with_closed_hole": [SQUARE, [[2, 2], [2, 4], [4, 4], [4, 2], [2, 2]]],
    "hole_outside_its_shell": [SQUARE, [[20, 20], [22, 20], [22, 22]]],
    "out_of_roi_frame_and_region": [FRAME, [[10, 10], [20, 10], [20, 20], [10, 20]]],
    "negative_coordinates": [[[-5, -5], [-1, -5], [-1, -1], [-5, -1]]],
    "near_the_coordinate_limit": [[[0, 0], [2**20, 0], [2**20, 2**20], [0, 2**20]]],
    "at_the_exact_coordinate_bound": [[[0, 0], [2**30, 0], [2**30, 2**30], [0, 2**30]]],
}


def arrays(objects: list[list[list[list[int]]]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """xy, ring_lengths and rings_per_object of these objects, as the parser hands them to measure."""
    rings = [ring for obj in objects for ring in obj]
    xy = np.array([point for ring in rings for point in ring], dtype=np.int32).reshape(-1, 2)
    return xy, np.array([len(r) for r in rings]), np.array([len(obj) for obj in objects])


def expected_wkb(xy, ring_lengths, rings_per_object) -> list[bytes]:
    return shapely.to_wkb(polygons(xy, ring_lengths, rings_per_object)).tolist()


def random_objects(seed: int, count: int) -> list[list[list[list[int]]]]:
    """Random small polygons (many invalid), convex hulls in both orientations from any corner,
    a fifth of rings closed by hand, and some objects with holes."""
    rng = np.random.default_rng(seed)
    objects = []
    for _ in range(count):
        rings = []
        for _ in range(1 if rng.random() < 0.8 else int(rng.integers(2, 4))):
            if rng.random() < 0.5:
                ring = rng.integers(-6, 7, size=(int(rng.integers(3, 9)), 2))
            else:
                hull = shapely.convex_hull(shapely.multipoints(rng.integers(-60, 61, size=(20, 2))))
                ring = shapely.get_coordinates(hull).astype(int)[:-1]
                ring = np.roll(ring[:: rng.choice([-1, 1])], int(rng.integers(len(ring))), axis=0)
            if rng.random() < 0.2:
                ring = np.vstack([ring, ring[:1]])
            rings.append(ring.tolist())
        objects.append(rings)
    return objects


@pytest.fixture(scope="module")
def replica_arrays(small_replica):
    """Every object of the small replica, as parsed."""
    parsed = [parse_file(file) for file in open_source(small_replica).files()]
    return (
        np.concatenate([p.xy for p in parsed]),
        np.array([n for p in parsed for n in p.ring_lengths]),
        np.array([n for p in parsed for n in p.rings_per_object]),
    )


@pytest.mark.parametrize("case", CASES)
def test_wkb_equals_shapely_on_a_corner_case(case):
    xy, ring_lengths, rings_per_object = arrays([CASES[case]])
    assert polygons_wkb(xy, ring_lengths, rings_per_object).to_pylist() == expected_wkb(*arrays([CASES[case]]))


def test_wkb_equals_shapely_on_all_corner_cases_in_one_batch():
    batch = arrays(list(CASES.values()))
    assert polygons_wkb(*batch).to_pylist() == expected_wkb(*batch)


def test_wkb_equals_shapely_on_every_object_of_the_small_replica(replica_arrays):
    assert polygons_wkb(*replica_arrays).to_pylist() == expected_wkb(*replica_arrays)


def test_wkb_equals_shapely_on_random_polygons():
    batch = arrays(random_objects(seed=0, count=3000))
    assert polygons_wkb(*batch).to_pylist() == expected_wkb(*batch)


def test_measure_gives_the_wkb_as_an_arrow_binary_column():
    batch = arrays(list(CASES.values()))
    column = measure(*batch, np.full(len(CASES), 100), np.full(len(CASES), 50))["geometry"]
    assert column.type == pa.binary()
    assert column.to_pylist() == expected_wkb(*batch)


def test_measure_of_no_object_gives_an_empty_binary_column():
    empty = measure(np.empty((0, 2), np.int32), [], [], np.empty(0), np.empty(0))["geometry"]
    assert (len(empty), empty.type) == (0, pa.binary())


# the corner cases star_shaped proves valid; every other one is left to GEOS
PROVEN_CASES = {
    "triangle_counterclockwise",
    "triangle_clockwise",
    "square",
    "collinear_vertex_on_an_edge",
    "concave_arrow_notch_off_the_mean",  # not concave_arrow: its vertices' mean is its notch
    "negative_coordinates",
    "near_the_coordinate_limit",
}


# rings on a 9 x 9 grid: collinear points, touching and crossing edges, p on an edge or a vertex
TINY_GRID_RINGS = st.lists(
    st.lists(st.tuples(st.integers(-4, 4), st.integers(-4, 4)), min_size=3, max_size=9),
    min_size=1,
    max_size=20,
)


def assert_proofs_hold(xy, ring_lengths, rings_per_object) -> np.ndarray:
    """Every object proven valid is valid for GEOS; returns the proofs."""
    proven = star_shaped(xy, ring_lengths, rings_per_object)
    geos_valid = shapely.is_valid(polygons(xy, ring_lengths, rings_per_object))
    assert not (proven & ~geos_valid).any(), np.flatnonzero(proven & ~geos_valid)
    return proven


def assert_validity_is_geos(xy, ring_lengths, rings_per_object) -> None:
    n = len(rings_per_object)
    measured = measure(xy, ring_lengths, rings_per_object, np.full(n, 100), np.full(n, 50))
    reasons = shapely.is_valid_reason(polygons(xy, ring_lengths, rings_per_object))
    assert measured["is_valid"].tolist() == (reasons == VALID).tolist()
    assert measured["invalid_reason"].tolist() == [None if r == VALID else r for r in reasons.tolist()]


def test_star_shaped_proves_the_simple_corner_cases_and_no_other():
    proven = assert_proofs_hold(*arrays(list(CASES.values())))
    assert {case for case, ok in zip(CASES, proven.tolist(), strict=True) if ok} == PROVEN_CASES


def test_a_ring_reaching_beyond_int64_products_is_left_to_geos():
    far = [[[-(2**31), -(2**31)], [2**31 - 1, -(2**31)], [2**31 - 1, 2**31 - 1], [-(2**31), 2**31 - 1]]]
    assert not star_shaped(*arrays([far])).any()


def test_a_ring_beyond_what_float64_holds_is_left_to_geos():
    """int64 coordinates near 2**60: the integers see a square, GEOS's float64 sees too few points."""
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], np.int64) + 2**60
    batch = square, np.array([4]), np.array([1])
    assert not star_shaped(*batch).any()
    assert_validity_is_geos(*batch)


def test_star_shaped_proofs_hold_on_random_polygons():
    proven = assert_proofs_hold(*arrays(random_objects(seed=1, count=5000)))
    assert 0 < proven.sum() < len(proven)  # both paths taken


def test_star_shaped_proofs_hold_on_every_object_of_the_small_replica(replica_arrays):
    assert assert_proofs_hold(*replica_arrays).any()


@settings(max_examples=300, deadline=None)
@given(TINY_GRID_RINGS)
def test_star_shaped_proofs_hold_on_tiny_grids(rings):
    assert_proofs_hold(*arrays([[list(map(list, ring))] for ring in rings]))


def test_measure_validity_is_geos_on_corner_cases_random_polygons_and_the_replica(replica_arrays):
    assert_validity_is_geos(*arrays(list(CASES.values())))
    assert_validity_is_geos(*arrays(random_objects(seed=2, count=3000)))
    assert_validity_is_geos(*replica_arrays)


def assert_centroids_are_geos(xy, ring_lengths, rings_per_object) -> np.ndarray:
    """`measure`'s centroids are GEOS's doubles, bit for bit; returns where GEOS was not asked."""
    taken = []

    def spy(*args):
        result = exact_centroids(*args)
        taken.append(result[2])
        return result

    n = len(rings_per_object)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(geometry, "exact_centroids", spy)
        measured = measure(xy, ring_lengths, rings_per_object, np.full(n, 100), np.full(n, 50))
    geos = shapely.centroid(polygons(xy, ring_lengths, rings_per_object))
    for got, want in ((measured["centroid_x"], shapely.get_x(geos)), (measured["centroid_y"], shapely.get_y(geos))):
        assert got.view(np.int64).tolist() == want.view(np.int64).tolist()  # the bits, NaN and -0.0 included
    return taken[0]


# the corner cases whose centroid is computed without GEOS; the rest have holes, no area (the bow
# tie's halves cancel) or a centroid on an axis (the pentagrams: GEOS gives that zero the sign of
# the ring's orientation)
EXACT_CENTROID_CASES = {
    "triangle_counterclockwise",
    "triangle_clockwise",
    "square",
    "square_already_closed",
    "square_clockwise_closed",
    "four_points_closed_triangle",
    "repeated_vertex",
    "repeated_first_vertex_at_end_twice",
    "collinear_vertex_on_an_edge",
    "spike_back_along_an_edge",
    "square_wound_twice",
    "concave_arrow",
    "concave_arrow_notch_off_the_mean",
    "negative_coordinates",
}


def test_centroids_are_geos_on_the_corner_cases():
    exact = assert_centroids_are_geos(*arrays(list(CASES.values())))
    assert {case for case, ok in zip(CASES, exact.tolist(), strict=True) if ok} == EXACT_CENTROID_CASES


def test_centroids_are_geos_on_random_polygons_and_the_replica(replica_arrays):
    exact = assert_centroids_are_geos(*arrays(random_objects(seed=2, count=5000)))
    assert 0 < exact.sum() < len(exact)  # both ways taken
    assert assert_centroids_are_geos(*replica_arrays).mean() > 0.9


def test_centroids_are_geos_at_the_bounds_of_the_exact_way():
    """Rings of the most vertices, spanning the whole reach, crossing themselves: the largest terms
    and sums the exact way admits; and one step beyond each bound, which GEOS takes."""
    rng = np.random.default_rng(3)
    reach, most = EXACT_CENTROID_REACH, EXACT_CENTROID_VERTICES
    rings = [rng.integers(-reach, reach + 1, size=(most, 2)) for _ in range(20)]
    rings += [np.array([[0, 0], [reach, 0], [reach, reach], [0, reach]] * (most // 4))]  # wound most // 4 times
    beyond = [rng.integers(-reach, reach + 1, size=(most + 1, 2)), [[0, 0], [reach + 1, 0], [0, 5]]]
    objects = [[ring.tolist()] for ring in rings] + [[np.asarray(ring).tolist()] for ring in beyond]
    exact = assert_centroids_are_geos(*arrays(objects))
    assert exact.tolist() == [True] * len(rings) + [False] * len(beyond)


@settings(max_examples=300, deadline=None)
@given(TINY_GRID_RINGS)
def test_centroids_are_geos_on_tiny_grids(rings):
    assert_centroids_are_geos(*arrays([[list(map(list, ring))] for ring in rings]))


def assert_perimeters_are_geos(xy, ring_lengths, rings_per_object) -> None:
    """`measure`'s perimeters are GEOS's lengths, to 1e-12: each edge is measured as GEOS measures
    it, sqrt(dx*dx + dy*dy), but numpy's reduceat sums the edges in another order than GEOS's loop."""
    size = np.full(len(rings_per_object), 10**9)
    ours = measure(xy, ring_lengths, rings_per_object, size, size)["perimeter_px"]
    geos = shapely.length(polygons(xy, ring_lengths, rings_per_object))
    assert len(ours) == len(rings_per_object) > 0
    assert np.allclose(ours, geos, rtol=1e-12, atol=0)


def test_perimeters_are_geos_on_corner_cases_random_polygons_and_the_replica(replica_arrays):
    assert_perimeters_are_geos(*arrays(list(CASES.values())))
    assert_perimeters_are_geos(*arrays(random_objects(seed=4, count=5000)))
    assert_perimeters_are_geos(*replica_arrays)
    assert_perimeters_are_geos(*arrays([[[[0, 0], [2**30, 1], [1, 2**30]]], [[[-(2**30), 0], [2**30, 0], [0, 3]]]]))


def assert_out_of_bounds_is_any_vertex_outside(xy, ring_lengths, rings_per_object, side: int) -> None:
    """out_of_bounds against its definition, vertex by vertex: some vertex of some ring (holes too)
    lies outside [0, width - 1] x [0, height - 1]; here width = side and height = side // 2."""
    width, height = np.full(len(rings_per_object), side), np.full(len(rings_per_object), side // 2)
    ours = measure(xy, ring_lengths, rings_per_object, width, height)["out_of_bounds"]
    vertices = np.add.reduceat(ring_lengths, starts(rings_per_object))
    objects = np.split(xy, np.cumsum(vertices)[:-1])
    expected = [
        bool(((v[:, 0] < 0) | (v[:, 0] > side - 1) | (v[:, 1] < 0) | (v[:, 1] > side // 2 - 1)).any()) for v in objects
    ]
    assert ours.tolist() == expected
    assert 0 < sum(expected) < len(expected)  # both kinds, or the comparison proves little


def test_out_of_bounds_is_any_vertex_outside_the_image_holes_included():
    hole_beyond_the_right_edge = [[[0, 0], [8, 0], [8, 4], [0, 4]], [[2, 1], [12, 1], [2, 3]]]
    on_the_last_pixels = [[[0, 0], [9, 0], [9, 4]]]  # 10 x 5 image: x up to 9, y up to 4
    one_past = [[[0, 0], [10, 0], [9, 4]]]
    below_zero = [[[0, -1], [5, 0], [5, 4]]]
    assert_out_of_bounds_is_any_vertex_outside(
        *arrays([hole_beyond_the_right_edge, on_the_last_pixels, one_past, below_zero]), side=10
    )
    assert_out_of_bounds_is_any_vertex_outside(*arrays(random_objects(seed=5, count=5000)), side=40)


def test_out_of_bounds_is_any_vertex_outside_on_the_replica(replica_arrays):
    assert_out_of_bounds_is_any_vertex_outside(*replica_arrays, side=2048)
