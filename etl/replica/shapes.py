"""Polygon geometry of the replica: class-shaped outlines and the frame of the camera.

Every outline is star-shaped around its centre (vertices at strictly increasing angles), which
makes it a simple polygon before rounding; rounding to integer pixels can still fold a tiny or
thin outline, so each one is checked with GEOS and replaced by its bounding box if it folded.
Ordinary objects stay inside [1, 2046] x [1, 1022]: touching or leaving the image border is a
fault the replica injects on purpose and counts (see faults.py).
"""

from __future__ import annotations

import numpy as np
import shapely

from . import profiles as p

WIDTH_PX = 2048
HEIGHT_PX = 1024
X_MAX = WIDTH_PX - 1
Y_MAX = HEIGHT_PX - 1
# Ordinary objects keep one pixel off the border so that border vertices are countable faults.
INNER_MIN = 1
INNER_X_MAX = X_MAX - 1
INNER_Y_MAX = Y_MAX - 1

_EMPTY = np.zeros((0, 2), dtype=np.int64)


def class_outlines(labels: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """One GEOS-valid integer polygon (n, 2) per label index, sized and placed like its class."""
    n = len(labels)
    if n == 0:
        return []
    sigma = p.SIZE_SIGMA[labels]
    z_height = rng.standard_normal(n)
    z_width = 0.7 * z_height + 0.714 * rng.standard_normal(n)
    height = np.clip(
        p.MEAN_HEIGHT_PX[labels] * np.exp(sigma * z_height - sigma**2 / 2),
        p.MIN_HEIGHT_PX[labels],
        np.minimum(p.MAX_HEIGHT_PX[labels], INNER_Y_MAX),
    )
    width = np.clip(
        p.MEAN_WIDTH_PX[labels] * np.exp(sigma * z_width - sigma**2 / 2),
        p.MIN_WIDTH_PX[labels],
        np.minimum(p.MAX_WIDTH_PX[labels], INNER_X_MAX),
    )
    half_h = (height - 1) / 2
    half_w = (width - 1) / 2
    centre_y = np.clip(
        p.CENTRE_Y_PX[labels] + p.CENTRE_Y_SD_PX[labels] * rng.standard_normal(n),
        INNER_MIN + half_h,
        INNER_Y_MAX - half_h,
    )
    centre_x = INNER_MIN + half_w + rng.random(n) * (INNER_X_MAX - INNER_MIN - 2 * half_w)

    # Bigger objects get more vertices, as an annotator clicks more along a longer outline, but
    # never more than about one per three pixels of perimeter.
    size_ratio = np.sqrt(height * width / (p.MEAN_HEIGHT_PX[labels] * p.MEAN_WIDTH_PX[labels]))
    vertices = p.MEAN_VERTICES[labels] * np.sqrt(size_ratio) * np.exp(0.3 * rng.standard_normal(n))
    vertices = np.clip(vertices, 4, np.maximum(4, (height + width) * 2 / 3))
    vertices = np.rint(np.minimum(vertices, 1500)).astype(np.int64)

    owner = np.repeat(np.arange(n), vertices)
    starts = np.cumsum(vertices) - vertices
    step = np.arange(len(owner)) - starts[owner]
    angle = (step + rng.uniform(0.2, 0.8, len(owner))) * (2 * np.pi / vertices[owner]) + rng.uniform(0, 2 * np.pi, n)[
        owner
    ]
    exponent = 2 / p.SQUARENESS[labels][owner]
    cos, sin = np.cos(angle), np.sin(angle)
    pull = 1 - p.WOBBLE[labels][owner] * rng.random(len(owner))
    unit_x = np.sign(cos) * np.abs(cos) ** exponent * pull
    unit_y = np.sign(sin) * np.abs(sin) ** exponent * pull
    # Narrowing the top keeps the outline simple: it maps every horizontal line onto itself.
    unit_x *= 1 - p.TAPER[labels][owner] * (1 - unit_y) / 2
    xs = np.rint(centre_x[owner] + half_w[owner] * unit_x).astype(np.int64)
    ys = np.rint(centre_y[owner] + half_h[owner] * unit_y).astype(np.int64)

    previous = np.arange(len(owner)) - 1
    previous[starts] = starts + vertices - 1
    keep = (xs != xs[previous]) | (ys != ys[previous])
    kept_per_object = np.bincount(owner[keep], minlength=n)
    coords = np.stack([xs[keep], ys[keep]], axis=1)
    polygons = np.split(coords, np.cumsum(kept_per_object)[:-1])

    usable = kept_per_object >= 3
    valid = np.zeros(n, dtype=bool)
    if usable.any():
        ring_owner = owner[keep]
        in_usable = usable[ring_owner]
        ring_index = (np.cumsum(usable) - 1)[ring_owner[in_usable]]
        rings = shapely.linearrings(coords[in_usable], indices=ring_index)
        valid[usable] = shapely.is_valid(shapely.polygons(rings))
    for i in np.flatnonzero(~valid):
        polygons[i] = bounding_box(centre_x[i], centre_y[i], half_w[i], half_h[i])
    return polygons


def bounding_box(centre_x: float, centre_y: float, half_w: float, half_h: float) -> np.ndarray:
    x0 = max(INNER_MIN, int(np.floor(centre_x - half_w)))
    y0 = max(INNER_MIN, int(np.floor(centre_y - half_h)))
    x1 = min(INNER_X_MAX, max(x0 + 1, int(np.ceil(centre_x + half_w))))
    y1 = min(INNER_Y_MAX, max(y0 + 1, int(np.ceil(centre_y + half_h))))
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.int64)


def ego_vehicle(rng: np.random.Generator) -> np.ndarray:
    """The bonnet at the bottom: a band along the bottom edge with a rounded top."""
    width = int(rng.integers(1758, 2025))
    height = int(rng.integers(180, 229))
    left = int(rng.integers(0, WIDTH_PX - width + 1))
    right = left + width - 1
    hood_points = int(rng.integers(30, 51))
    xs = np.rint(np.linspace(right, left, hood_points + 2)[1:-1]).astype(np.int64)
    t = (right - xs) / (right - left)
    # A steep bulge: the bonnet fills about a third of its bounding box, as the published mean
    # area (5.81 % of the image for a 1856 x 198 px box) implies.
    rise = np.sin(np.pi * t) ** 4.5 * (1 - 0.03 * rng.random(hood_points))
    # At least one pixel above the bottom edge, or the ring would touch itself there.
    ys = Y_MAX - np.maximum(1, np.rint((height - 1) * rise / rise.max())).astype(np.int64)
    hood = np.stack([xs, ys], axis=1)
    return np.concatenate([[[left, Y_MAX], [right, Y_MAX]], hood]).astype(np.int64)


def _edge_strip(length: int, depth: int, start: int, rng: np.random.Generator) -> np.ndarray:
    """A thin crescent on one image edge, as (along, across) with the edge at across = 0."""
    inner_points = int(rng.integers(6, 13))
    along = np.rint(np.linspace(start + length - 1, start, inner_points + 2)[1:-1]).astype(np.int64)
    t = (along - start) / (length - 1)
    bulge = np.sin(np.pi * t) ** 0.5 * (1 - 0.05 * rng.random(inner_points))
    across = np.maximum(1, np.rint(depth * bulge / bulge.max())).astype(np.int64)
    inner = np.stack([along, across], axis=1)
    return np.concatenate([[[start, 0], [start + length - 1, 0]], inner]).astype(np.int64)


def rectification_borders(rng: np.random.Generator) -> list[np.ndarray]:
    """Four thin strips where rectification left no image: left, top, right, bottom edges."""
    strips = []
    for side in ("left", "top", "right", "bottom"):
        if side in ("left", "right"):
            length, depth = int(rng.integers(300, 516)), int(rng.integers(10, 40))
            start = int(rng.integers(0, HEIGHT_PX - length + 1))
        else:
            length, depth = int(rng.integers(1400, 1939)), int(rng.integers(28, 60))
            start = int(rng.integers(0, WIDTH_PX - length + 1))
        along, across = _edge_strip(length, depth, start, rng).T
        if side == "left":
            xy = (across, along)
        elif side == "right":
            xy = (X_MAX - across, along)
        elif side == "top":
            xy = (along, across)
        else:
            xy = (along, Y_MAX - across)
        strips.append(np.stack(xy, axis=1))
    return strips


def out_of_roi(rng: np.random.Generator) -> np.ndarray:
    """The closed image frame, then the region of interest as one ring strictly inside it."""
    frame = [[0, 0], [X_MAX, 0], [X_MAX, Y_MAX], [0, Y_MAX], [0, 0]]
    left, top = int(rng.integers(1, 40)), int(rng.integers(1, 40))
    right, bottom = X_MAX - int(rng.integers(1, 40)), Y_MAX - int(rng.integers(1, 40))
    cut = int(rng.integers(5, 60))
    roi = [
        [left + cut, top],
        [right - cut, top],
        [right, top + cut],
        [right, bottom - cut],
        [right - cut, bottom],
        [left + cut, bottom],
        [left, bottom - cut],
        [left, top + cut],
    ]
    return np.array(frame + roi, dtype=np.int64)


def empty_polygon() -> np.ndarray:
    return _EMPTY
