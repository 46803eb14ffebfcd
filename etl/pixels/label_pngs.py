"""The label PNGs of a download against the official rasterisation of its polygons.

The release ships `*_gtFine_labelIds.png` (8-bit label ids) and `*_gtFine_instanceIds.png` (16-bit
instance ids) beside each polygon file. They were drawn from the polygons by cityscapesScripts, so
they should equal what official.py draws; users find that they do not always (another Pillow,
edited polygons). Each value whose pixels differ is one mismatch row: the value, its pixels in the
PNG and in the rasterisation of the polygons. Decoding two PNGs costs more than drawing the image,
which is why the check is asked for (`build --check-label-pngs`).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from ..sources.base import FileProblem

KINDS = ("labelIds", "instanceIds")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GREYSCALE = 0  # the IHDR colour type of a label image: one channel (8-bit label ids, 16-bit instance ids)
UNREADABLE = " unreadable"  # appended to the kind of a PNG that cannot be decoded as a label image

# (kind, label or instance id, pixels in the PNG, pixels from the polygons); None for an unreadable PNG
Mismatch = tuple[str, int | None, int | None, int | None]


def compare(drawn: dict[str, np.ndarray], readers: dict[str, Callable[[], bytes]]) -> list[Mismatch]:
    """Mismatches between the official images `drawn` (by kind) and the PNGs `readers` give."""
    rows: list[Mismatch] = []
    for kind in KINDS:
        if kind not in readers:
            continue
        ours = drawn[kind]
        png = _decode(readers[kind], ours.shape)
        if png is None or png.shape != ours.shape:
            rows.append((kind + UNREADABLE, None, None, None))
            continue
        differ = png != ours
        if not differ.any():
            continue
        ids = np.union1d(np.unique(png[differ]), np.unique(ours[differ]))
        png_counts = _counts(png, ids)
        our_counts = _counts(ours, ids)
        rows += [(kind, int(i), int(p), int(o)) for i, p, o in zip(ids, png_counts, our_counts, strict=True)]
    return rows


def _decode(reader: Callable[[], bytes], shape: tuple[int, int]) -> np.ndarray | None:
    """The PNG as a 2-D array of unsigned ints; None if it is not one of `shape` (height, width)."""
    try:
        data = reader()
    except FileProblem:
        return None
    # size and colour type are read from the header first: a PNG claiming a huge image, or several
    # channels (a 16-bit RGBA square of 16384 pixels inflates to 2 GiB), is refused before decoding
    if data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR" or len(data) < 26:
        return None
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if (height, width) != shape or data[25] != GREYSCALE:
        return None
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None or image.ndim != 2 or image.dtype.kind != "u":
        return None
    return image


def _counts(image: np.ndarray, ids: np.ndarray) -> np.ndarray:
    values, counts = np.unique(image, return_counts=True)
    at = np.searchsorted(values, ids)
    found = (at < len(values)) & (values[np.minimum(at, len(values) - 1)] == ids)
    return np.where(found, counts[np.minimum(at, len(values) - 1)], 0)
