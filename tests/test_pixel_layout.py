"""The pixel stage's layout: vertices copied run by run, in order; the input tables let go once it is built."""

from __future__ import annotations

import weakref

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from test_pixels import square, tables_for

from cityscapes_warehouse.pixels import layout as layout_module
from cityscapes_warehouse.pixels import pixel_tables
from cityscapes_warehouse.pixels.layout import vertices_in_order
from cityscapes_warehouse.schemas import POLYGONS

VERTICES = POLYGONS.field("vertices").type


def chunked_rings(rings: list[list[tuple[int, int]]], cuts: list[int], lead: int) -> pa.ChunkedArray:
    """The rings as a vertices column cut into chunks at `cuts`, each chunk a slice of a larger array
    (`lead` rings before it), as Parquet row groups and DuckDB batches come."""
    chunks, bounds = [], [0, *sorted(set(cuts)), len(rings)]
    for start, stop in zip(bounds, bounds[1:], strict=False):
        padded = [[(9, 9)]] * lead + rings[start:stop]
        array = pa.array([[{"x": x, "y": y} for x, y in ring] for ring in padded], VERTICES)
        chunks.append(array.slice(lead))
    return pa.chunked_array(chunks, VERTICES)


def expected(rings: list[list[tuple[int, int]]], order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    points = [point for ring in order.tolist() for point in rings[ring]]
    starts = np.cumsum([0] + [len(rings[ring]) for ring in order.tolist()])
    return np.array(points, np.int32).reshape(-1, 2), starts


rings_strategy = st.lists(
    st.lists(st.tuples(st.integers(-5, 3000), st.integers(-5, 2000)), min_size=0, max_size=5), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(
    rings=rings_strategy,
    cuts=st.lists(st.integers(0, 40), max_size=4),
    lead=st.integers(0, 2),
    how=st.sampled_from(["in order", "a few moved to the end", "shuffled"]),
    seed=st.integers(0, 2**16),
)
def test_vertices_copied_by_runs_equal_the_rings_in_order(rings, cuts, lead, how, seed):
    n = len(rings)
    rng = np.random.default_rng(seed)
    if how == "in order":
        order = np.arange(n)
    elif how == "a few moved to the end":  # the build's case: rejected objects the official images draw
        moved = rng.choice(n, size=min(n, 3), replace=False) if n else np.empty(0, np.int64)
        order = np.concatenate([np.setdiff1d(np.arange(n), moved), moved])
        order = np.argsort(order, kind="stable")  # the order that puts them back in place
    else:
        order = rng.permutation(n)
    column = chunked_rings(rings, [c for c in cuts if c <= n], lead)
    xy, starts = vertices_in_order(column, order)
    want_xy, want_starts = expected(rings, order)
    assert xy.dtype == np.int32
    assert np.array_equal(xy, want_xy)
    assert np.array_equal(starts, want_starts)


def test_a_table_in_another_order_is_taken_whole_beyond_the_copy_limit(monkeypatch):
    rings = [[(i, 2 * i)] * (1 + i % 3) for i in range(50)]
    order = np.random.default_rng(0).permutation(50)
    monkeypatch.setattr(layout_module, "MAX_COPY_RUNS", 4)
    xy, starts = vertices_in_order(chunked_rings(rings, [10, 30], 1), order)
    want_xy, want_starts = expected(rings, order)
    assert len(np.flatnonzero(np.diff(order, prepend=-2) != 1)) > 4  # so the take did it
    assert np.array_equal(xy, want_xy) and np.array_equal(starts, want_starts)


def test_the_stage_lets_go_of_its_input_tables_once_its_layout_is_built():
    tables = tables_for({f"img{i}": (40, 30, [("car", [square(i, 1, i + 9, 12)])]) for i in range(6)})
    polygons, objects = weakref.ref(tables["polygons"]), weakref.ref(tables["objects"])
    alive_during_stage = []

    def progress(done: int, total: int) -> None:
        alive_during_stage.append((polygons() is not None, objects() is not None))

    handed_over = [tables]
    del tables
    out = pixel_tables(handed_over.pop(), progress=progress, workers=1)
    assert out["object_visible_area"].num_rows == 6
    assert alive_during_stage and not any(any(alive) for alive in alive_during_stage)


def test_a_caller_that_keeps_its_tables_keeps_them_whole():
    tables = tables_for({"img": (40, 30, [("car", [square(1, 1, 9, 12)])])})
    before = {name: table.num_rows for name, table in tables.items()}
    pixel_tables(tables, workers=1)
    assert {name: table.num_rows for name, table in tables.items()} == before
