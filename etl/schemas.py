"""The warehouse tables, declared once. Every table is cast to its schema before it is written.

Column names are the public contract (data/README.md documents each one).
"""

from __future__ import annotations

import pyarrow as pa

from .pixels.schemas import PIXEL_TABLES

VERTEX = pa.struct([("x", pa.int32()), ("y", pa.int32())])

IMAGES = pa.schema(
    [
        ("image_id", pa.string()),
        ("split", pa.string()),
        ("city", pa.string()),
        ("sequence", pa.int32()),
        ("frame", pa.int32()),
        ("width", pa.int32()),
        ("height", pa.int32()),
        ("source_path", pa.string()),
        ("n_objects", pa.int32()),
        ("n_rejected", pa.int32()),
    ]
)

OBJECTS = pa.schema(
    [
        ("object_id", pa.string()),
        ("image_id", pa.string()),
        ("draw_order", pa.int32()),
        ("label", pa.string()),
        ("label_id", pa.int16()),
        ("train_id", pa.int16()),
        ("category", pa.string()),
        ("has_instances", pa.bool_()),
        ("ignore_in_eval", pa.bool_()),
        ("is_group", pa.bool_()),
        ("base_label", pa.string()),
        ("n_vertices", pa.int32()),
        ("n_holes", pa.int16()),
        ("exterior_area_px", pa.float64()),
        ("area_px", pa.float64()),
        ("perimeter_px", pa.float64()),
        ("x_min", pa.int32()),
        ("y_min", pa.int32()),
        ("x_max", pa.int32()),
        ("y_max", pa.int32()),
        ("bbox_width_px", pa.int32()),
        ("bbox_height_px", pa.int32()),
        ("centroid_x", pa.float64()),
        ("centroid_y", pa.float64()),
        ("is_valid", pa.bool_()),
        ("invalid_reason", pa.string()),
        ("out_of_bounds", pa.bool_()),
        ("roi_frame_missing", pa.bool_()),
        ("geometry", pa.binary()),
    ]
)

POLYGONS = pa.schema(
    [
        ("object_id", pa.string()),
        ("ring", pa.int16()),
        ("n_vertices", pa.int32()),
        ("vertices", pa.list_(VERTEX)),
    ]
)

LABELS = pa.schema(
    [
        ("label", pa.string()),
        ("label_id", pa.int16()),
        ("train_id", pa.int16()),
        ("category", pa.string()),
        ("category_id", pa.int16()),
        ("has_instances", pa.bool_()),
        ("ignore_in_eval", pa.bool_()),
        ("is_group", pa.bool_()),
        ("base_label", pa.string()),
        ("color_r", pa.uint8()),
        ("color_g", pa.uint8()),
        ("color_b", pa.uint8()),
        ("color_hex", pa.string()),
    ]
)

REJECTS = pa.schema(
    [
        ("source_path", pa.string()),
        ("image_id", pa.string()),
        ("draw_order", pa.int32()),
        ("label", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("raw", pa.string()),
    ]
)

BUILD_INFO = pa.schema(
    [
        ("tool_version", pa.string()),
        ("source", pa.string()),
        ("source_kind", pa.string()),
        ("synthetic", pa.bool_()),
        ("built_at", pa.timestamp("us", tz="UTC")),  # DuckDB TIMESTAMPTZ
        ("files_read", pa.int64()),
        ("objects_read", pa.int64()),
        ("pixels", pa.bool_()),  # whether the pixel stage ran; its tables are empty otherwise
        ("seconds", pa.float64()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "images": IMAGES,
    "objects": OBJECTS,
    "polygons": POLYGONS,
    "labels": LABELS,
    "rejects": REJECTS,
    "build_info": BUILD_INFO,
    **PIXEL_TABLES,
}
