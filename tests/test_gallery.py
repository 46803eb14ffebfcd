"""The gallery draws annotations as gtFine_color.png does: official colours, painter's order,
holes cut out, and flagged objects outlined."""

from __future__ import annotations

from cityscapes_warehouse.report.gallery import INVALID_RGB, OUT_OF_BOUNDS_RGB, THUMB_WIDTH_PX, draw_image

ROAD, CAR = (128, 64, 128), (0, 0, 142)
COLORS = {"road": ROAD, "car": CAR}
SCALE = THUMB_WIDTH_PX / 1024  # a 1024 x 512 image drawn 512 px wide: half size


def ring(x0: int, y0: int, x1: int, y1: int) -> list[dict]:
    return [{"x": x0, "y": y0}, {"x": x1, "y": y0}, {"x": x1, "y": y1}, {"x": x0, "y": y1}]


def pixel(image, x: int, y: int) -> tuple[int, ...]:
    return tuple(int(v) for v in image[round(y * SCALE), round(x * SCALE)])


def test_a_later_object_is_painted_over_an_earlier_one():
    rings = [(0, "road", True, False, 0, ring(0, 0, 1000, 500)), (1, "car", True, False, 0, ring(100, 100, 300, 300))]
    image = draw_image(1024, 512, rings, COLORS)
    assert image.shape == (256, 512, 3)
    assert pixel(image, 200, 200) == CAR and pixel(image, 600, 400) == ROAD
    assert pixel(image, 1020, 510) == (0, 0, 0)  # unlabelled stays black


def test_a_hole_shows_what_lies_under_it():
    rings = [
        (0, "car", True, False, 0, ring(0, 0, 1000, 500)),
        (1, "road", True, False, 0, ring(0, 0, 1000, 500)),
        (1, "road", True, False, 1, ring(400, 200, 600, 400)),
    ]
    image = draw_image(1024, 512, rings, COLORS)
    assert pixel(image, 500, 300) == CAR and pixel(image, 100, 100) == ROAD


def test_invalid_and_out_of_bounds_objects_are_outlined():
    rings = [
        (0, "road", False, False, 0, ring(100, 100, 400, 400)),
        (1, "car", True, True, 0, ring(600, 100, 1100, 400)),
    ]
    image = draw_image(1024, 512, rings, COLORS)
    assert pixel(image, 100, 250) == INVALID_RGB and pixel(image, 250, 250) == ROAD
    assert pixel(image, 600, 250) == OUT_OF_BOUNDS_RGB and pixel(image, 800, 250) == CAR
