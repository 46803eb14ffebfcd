"""The heatmap's per-cell sums of an object's patch (raster._cell_sums), both ways, against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from cityscapes_warehouse.pixels.raster import MANY_CELLS, _cell_sums

CELL = 32


@pytest.mark.parametrize("rows, cols", [(1, 1), (2, 3), (4, MANY_CELLS // 4), (32, 64)])
def test_cell_sums_equal_numpy(rows: int, cols: int) -> None:
    patch = (np.random.default_rng(rows * cols).random((rows * CELL, cols * CELL)) < 0.6).astype(np.uint8)
    patch[:CELL, :CELL] = 1  # a full cell: every column sum at its largest
    expected = patch.reshape(rows, CELL, cols, CELL).sum(axis=(1, 3))
    assert _cell_sums(patch, CELL).tolist() == expected.tolist()
