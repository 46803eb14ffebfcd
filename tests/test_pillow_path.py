"""official.pillow_path gives Pillow a point list as a float32 buffer: the pixels of the list of ints."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from cityscapes_warehouse.pixels.official import pillow_path


def _drawn(xy: object) -> np.ndarray:
    image = Image.new("L", (40, 30), 0)
    ImageDraw.Draw(image).polygon(xy, fill=1)
    return np.asarray(image)


@pytest.mark.parametrize(
    "points",
    [
        [[3, 2], [37, 9], [21, 28]],  # edges of odd slopes
        [[5, 5], [30, 20]],  # two points: a segment
        [[2, 2], [35, 25], [35, 2], [2, 25]],  # self-intersecting
        [[-50, -7], [90, 12], [14, 60]],  # reaching out of the image
        [[0, 0], [2**24 + 1, 29], [0, 29]],  # a vertex float32 cannot hold exactly
    ],
)
def test_float32_buffer_draws_the_pixels_of_the_list_of_ints(points: list[list[int]]) -> None:
    points = np.array(points, np.int32)
    expected = _drawn(points.ravel().tolist())
    assert expected.any()
    assert np.array_equal(_drawn(pillow_path(points)), expected)


def test_a_strided_point_list_is_made_contiguous() -> None:
    points = np.array([[3, 2, 0], [37, 9, 0], [21, 28, 0]], np.int32)[:, :2]
    assert np.array_equal(_drawn(pillow_path(points)), _drawn(points.ravel().tolist()))
