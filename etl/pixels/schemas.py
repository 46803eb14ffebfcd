"""The pixel stage's tables, declared once; data/README.md-style notes on every column.

Two rasterisations, each named for what it is. The official one (Pillow, cityscapesScripts' rules,
official.py) gives what the label images hold: `label_pixels`, `train_id_pixels`,
`instance_pixels` and `object_visible_area`'s mask_area_px / visible_area_px. Dataset Ninja's
(OpenCV `fillPoly`, no occlusion between labels) gives `image_class_coverage`, `image_coverage`,
`class_heatmap` and the `opencv_*` columns. Both count whole pixels clipped to the image, so they
differ from the shoelace areas in `objects` by the boundary pixels.
"""

from __future__ import annotations

import pyarrow as pa

from ..arrow_values import empty_table

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

# One row per object of `objects`: its own mask, and what is left of it once later objects are painted.
OBJECT_VISIBLE_AREA = pa.schema(
    [
        ("object_id", pa.string()),
        ("mask_area_px", pa.int64()),  # official: its pixels drawn alone; 0 for a license plate
        ("visible_area_px", pa.int64()),  # official: its pixels in the label images
        ("opencv_mask_area_px", pa.int64()),  # its fillPoly mask (holes cut), Dataset Ninja's drawing
        ("opencv_visible_area_px", pa.int64()),  # what of it no later fillPoly mask covers
    ]
)

# The histogram of each official labelIds image: one row per (image, value present), 0 included.
LABEL_PIXELS = pa.schema([("image_id", pa.string()), ("label_id", pa.int16()), ("pixels", pa.int64())])

# The histogram of each official trainIds image: one row per (image, value present), 255 included.
TRAIN_ID_PIXELS = pa.schema([("image_id", pa.string()), ("train_id", pa.int16()), ("pixels", pa.int64())])

# The official instanceIds image by the object each pixel comes from: one row per (image, value,
# object) with pixels; the background (no object drawn) has object_id null. instance_id is
# label_id * 1000 + n for the n-th object of a class with instances, else the label_id.
INSTANCE_PIXELS = pa.schema(
    [
        ("image_id", pa.string()),
        ("instance_id", pa.int32()),
        ("label_id", pa.int16()),
        ("pixels", pa.int64()),
        ("object_id", pa.string()),  # image_id#draw_order; a 2-point object's is in `rejects`
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

# The download's label PNGs against the official rasterisation of its polygons (build
# --check-label-pngs): one row per (image, kind, value) whose pixels differ. kind is "labelIds" or
# "instanceIds"; "labelIds unreadable" / "instanceIds unreadable" (id and pixels null) for a PNG
# that is not an image of the right size.
LABEL_IMAGE_MISMATCHES = pa.schema(
    [
        ("image_id", pa.string()),
        ("kind", pa.string()),
        ("label_or_instance_id", pa.int32()),
        ("pixels_png", pa.int64()),  # pixels of this value in the PNG
        ("pixels_polygons", pa.int64()),  # pixels of this value in the rasterisation of the polygons
    ]
)

PIXEL_TABLES: dict[str, pa.Schema] = {
    "image_class_coverage": IMAGE_CLASS_COVERAGE,
    "image_coverage": IMAGE_COVERAGE,
    "object_visible_area": OBJECT_VISIBLE_AREA,
    "class_heatmap": CLASS_HEATMAP,
    "label_pixels": LABEL_PIXELS,
    "train_id_pixels": TRAIN_ID_PIXELS,
    "instance_pixels": INSTANCE_PIXELS,
    "label_image_mismatches": LABEL_IMAGE_MISMATCHES,
}


def empty_pixel_tables() -> dict[str, pa.Table]:
    """The pixel tables with no rows, for a build that skips the stage: the views over them still bind."""
    return {name: empty_table(schema) for name, schema in PIXEL_TABLES.items()}
