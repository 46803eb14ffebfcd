"""The pixel stage: Dataset Ninja's pixel statistics and painter's-order visibility, with OpenCV.

`pixel_tables(tables)` takes the built `images`, `objects` and `polygons` tables and returns the
`image_class_coverage`, `image_coverage`, `object_visible_area` and `class_heatmap` tables
(schemas in `schemas.PIXEL_TABLES`).
"""

from .schemas import CELL_PX, PIXEL_TABLES, empty_pixel_tables

__all__ = ["CELL_PX", "INPUT_COLUMNS", "PIXEL_TABLES", "empty_pixel_tables", "pixel_tables"]

_STAGE_NAMES = ("INPUT_COLUMNS", "pixel_tables")


def __getattr__(name: str):
    # The stage is imported on first use, not with the package: every parse worker imports the
    # table schemas (pixels.schemas among them), and the stage brings OpenCV and Pillow, which a
    # parse worker and a build without pixels never use (about 80 ms and 30 MB in each process).
    if name in _STAGE_NAMES:
        from . import stage

        return getattr(stage, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
