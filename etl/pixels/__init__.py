"""The pixel stage: Dataset Ninja's pixel statistics and painter's-order visibility, with OpenCV.

`pixel_tables(tables)` takes the built `images`, `objects` and `polygons` tables and returns the
`image_class_coverage`, `image_coverage`, `object_visible_area` and `class_heatmap` tables
(schemas in `schemas.PIXEL_TABLES`).
"""

from .schemas import CELL_PX, PIXEL_TABLES
from .stage import INPUT_COLUMNS, empty_pixel_tables, pixel_tables

__all__ = ["CELL_PX", "INPUT_COLUMNS", "PIXEL_TABLES", "empty_pixel_tables", "pixel_tables"]
