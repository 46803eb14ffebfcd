"""A polygon with holes as a COCO run-length encoding, because COCO polygons cannot have holes.

Pixel (x, y) is inside when its centre (x + 0.5, y + 0.5) is, by the even-odd rule over all
rings, so a hole removes what it covers. COCO counts runs down the columns (column-major), first
a run of outside pixels. Computed from the ring edges' crossings with the pixel-centre columns,
in numpy, without drawing a mask.
"""

from __future__ import annotations

import numpy as np


def polygon_rle(rings: list[np.ndarray], width: int, height: int) -> dict:
    """Uncompressed COCO RLE: {"size": [height, width], "counts": [outside, inside, outside, ...]}."""
    start = np.concatenate([ring.astype(np.float64) for ring in rings])
    end = np.concatenate([np.concatenate([ring[1:], ring[:1]]).astype(np.float64) for ring in rings])
    keep = start[:, 0] != end[:, 0]  # a vertical edge crosses no column centre
    (x0, y0), (x1, y1) = start[keep].T, end[keep].T
    # integer vertices: centre c + 0.5 lies between x0 and x1 exactly for columns min..max - 1
    first = np.clip(np.minimum(x0, x1), 0, width).astype(np.int64)
    stop = np.clip(np.maximum(x0, x1), 0, width).astype(np.int64)
    spans = np.maximum(stop - first, 0)
    edge = np.repeat(np.arange(len(spans)), spans)
    column = first[edge] + np.arange(spans.sum()) - np.repeat(np.cumsum(spans) - spans, spans)
    t = (column + 0.5 - x0[edge]) / (x1[edge] - x0[edge])
    y = y0[edge] + t * (y1[edge] - y0[edge])
    row = np.clip(np.ceil(y - 0.5), 0, height).astype(np.int64)  # first row whose centre is past y
    # closed rings cross every column an even number of times; int32 sorts twice as fast and holds
    # any position of a 2048 x 1024 image (positions are below width * height)
    dtype = np.int32 if width * height < 2**31 else np.int64
    position = np.sort((column * height + row).astype(dtype)).astype(np.int64)
    starts, ends = position[0::2], position[1::2]
    nonempty = ends > starts
    starts, ends = starts[nonempty], ends[nonempty]
    # a run ending where the next begins (the foot of one column, the top of the next) is one run
    joined = np.concatenate([ends[:-1] == starts[1:], [False]])
    starts = starts[np.concatenate([[True], ~joined[:-1]])]
    ends = ends[~joined]
    bounds = np.empty(2 * len(starts), np.int64)
    bounds[0::2], bounds[1::2] = starts, ends
    counts = np.diff(np.concatenate([[0], bounds, [width * height]]))
    return {"size": [height, width], "counts": counts.tolist()}
