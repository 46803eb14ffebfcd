"""The pixel stage's tables, declared once; data/README.md-style notes on every column.

Areas are counts of whole pixels of OpenCV `fillPoly` masks (Dataset Ninja's rasterisation),
clipped to the image, so they differ from the shoelace areas in `objects` by the boundary pixels.
"""

from __future__ import annotations

import pyarrow as pa

# The spatial heatmap's cell edge: 2048 x 1024 images give a 64 x 32 grid.
CELL_PX = 32

# One row per (image, label) with at least one object: the union mask of the label's objects.
IMAGE_CLASS_COVERAGE = pa.schema(
    [
        ("image_id", pa.string()),
        ("label", pa.string()),
        ("objects", pa.int32()),
        ("covered_px", pa.int64()),  # pixels inside at least one object of the label
        ("covered_pct", pa.float64()),  # covered_px * 100 / (width * height), not rounded
    ]
)

# One row per image: what no object covers (Dataset Ninja's "Unlabeled").
IMAGE_COVERAGE = pa.schema(
    [
        ("image_id", pa.string()),
        ("labeled_px", pa.int64()),
        ("unlabeled_px", pa.int64()),
        ("unlabeled_pct", pa.float64()),
    ]
)

# One row per object: its own mask, and what is left of it once later objects are painted over it.
OBJECT_VISIBLE_AREA = pa.schema(
    [
        ("object_id", pa.string()),
        ("mask_area_px", pa.int64()),  # its fillPoly mask inside the image, nothing hidden
        ("visible_area_px", pa.int64()),  # pixels where it is the last object drawn (painter's order)
    ]
)

# One row per (label, cell) that any object of the label touches, summed over all images.
CLASS_HEATMAP = pa.schema(
    [
        ("label", pa.string()),
        ("cell_x", pa.int16()),  # column: pixels [cell_x * CELL_PX, (cell_x + 1) * CELL_PX)
        ("cell_y", pa.int16()),
        ("coverage_px", pa.int64()),  # sum over objects of their mask pixels inside the cell
    ]
)

PIXEL_TABLES: dict[str, pa.Schema] = {
    "image_class_coverage": IMAGE_CLASS_COVERAGE,
    "image_coverage": IMAGE_COVERAGE,
    "object_visible_area": OBJECT_VISIBLE_AREA,
    "class_heatmap": CLASS_HEATMAP,
}
