"""Parsed files -> the flat Arrow tables of the warehouse, each cast to its declared schema."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa

from . import schemas
from .arrow_values import table_from_rows
from .geometry import measure, starts
from .labels import LABELS
from .parse import ParsedFile

# pyarrow.compute is imported where a batch's tables are made: a build's main process imports this
# module for the bounding boxes and the labels table, and the import took 30 ms of its start, before
# any worker runs

LABEL_COLUMNS = ("label_id", "train_id", "category", "has_instances", "ignore_in_eval", "is_group", "base_label")


def labels_table() -> pa.Table:
    rows = [
        {
            "label": lab.name,
            "label_id": lab.label_id,
            "train_id": lab.train_id,
            "category": lab.category,
            "category_id": lab.category_id,
            "has_instances": lab.has_instances,
            "ignore_in_eval": lab.ignore_in_eval,
            "is_group": lab.is_group,
            "base_label": lab.base_label,
            "color_r": lab.color[0],
            "color_g": lab.color[1],
            "color_b": lab.color[2],
            "color_hex": lab.color_hex,
        }
        for lab in LABELS.values()
    ]
    return table_from_rows(rows, schemas.LABELS)


class TableBuilder:
    """Collects parsed files one by one; `finish` computes geometry in bulk and returns the tables."""

    def __init__(self) -> None:
        self.images: list[dict] = []
        self.rejects: list[dict] = []
        self.objects_read = 0
        self._image_ids: list[str] = []
        self._widths: list[int] = []
        self._heights: list[int] = []
        self._objects_per_image: list[int] = []
        self._draw_orders: list[int] = []
        self._labels: list[str] = []
        self._rings_per_object: list[int] = []
        self._roi_frame_missing: list[bool] = []
        self._ring_lengths: list[int] = []
        self._xy: list[np.ndarray] = []

    def add(self, parsed: ParsedFile) -> None:
        self.objects_read += parsed.objects_read
        self.rejects.extend(parsed.rejects)
        if parsed.image is None:
            return
        image = parsed.image
        self.images.append(image)
        self._image_ids.append(image["image_id"])
        self._widths.append(image["width"])
        self._heights.append(image["height"])
        self._objects_per_image.append(len(parsed.labels))
        self._draw_orders.extend(parsed.draw_orders)
        self._labels.extend(parsed.labels)
        self._rings_per_object.extend(parsed.rings_per_object)
        self._roi_frame_missing.extend(parsed.roi_frame_missing)
        self._ring_lengths.extend(parsed.ring_lengths)
        self._xy.append(parsed.xy)

    def finish(self) -> dict[str, pa.Table]:
        """The images, objects, polygons and rejects of the files added, cast to their schemas."""
        import pyarrow.compute as pc

        per_image = np.array(self._objects_per_image, dtype=np.int64)
        xy = np.concatenate(self._xy) if self._xy else np.empty((0, 2), np.int32)
        ring_lengths = np.array(self._ring_lengths, dtype=np.int64)
        rings_per_object = np.array(self._rings_per_object, dtype=np.int64)
        geometry = measure(
            xy,
            ring_lengths,
            rings_per_object,
            np.repeat(np.array(self._widths, dtype=np.int64), per_image),
            np.repeat(np.array(self._heights, dtype=np.int64), per_image),
        )
        image_id = pa.array(np.repeat(np.array(self._image_ids, dtype=object), per_image), pa.string())
        draw_order = pa.array(self._draw_orders, pa.int32())
        object_id = pc.binary_join_element_wise(image_id, pc.cast(draw_order, pa.string()), "#")
        label = pa.array(self._labels, pa.string())
        columns = {"object_id": object_id, "image_id": image_id, "draw_order": draw_order, "label": label}
        columns.update(_label_attributes(label))
        columns.update(geometry)
        columns["roi_frame_missing"] = np.array(self._roi_frame_missing, dtype=bool)
        objects = pa.Table.from_pydict({name: columns[name] for name in schemas.OBJECTS.names})
        return {
            "images": pa.Table.from_pylist(self.images, schema=schemas.IMAGES),
            "objects": _with_geo_metadata(objects.cast(schemas.OBJECTS), _bbox(xy)),
            "polygons": _polygons(object_id, xy, ring_lengths, rings_per_object),
            "rejects": pa.Table.from_pylist(self.rejects, schema=schemas.REJECTS),
        }


def merge(parts: list[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """The tables of several batches as one, in batch order, plus the label table."""
    parts = parts or [TableBuilder().finish()]  # no file at all: empty tables, still typed
    tables = {
        name: pa.concat_tables([part[name] for part in parts]) for name in ("images", "objects", "polygons", "rejects")
    }
    bbox = union_bbox([batch_bbox(part["objects"]) for part in parts])
    tables["objects"] = _with_geo_metadata(tables["objects"], bbox)
    tables["labels"] = labels_table()
    return tables


def batch_bbox(objects: pa.Table) -> list[int] | None:
    """The bounding box of a batch's vertices, from its GeoParquet metadata; None for no object."""
    return _geo(objects)["columns"]["geometry"]["bbox"] if objects.num_rows else None


def union_bbox(boxes: list[list[int] | None]) -> list[int]:
    """The bounding box of several batches' boxes ([0, 0, 0, 0] when none has an object)."""
    boxes = [b for b in boxes if b is not None]
    if not boxes:
        return [0, 0, 0, 0]
    return [min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes)]


def geo_metadata(bbox: list[int]) -> dict[str, str]:
    """GeoParquet's file metadata for `objects`: WKB polygons in pixel coordinates, so no CRS ("crs": null)."""
    geo = {
        "version": "1.1.0",
        "primary_column": "geometry",
        "columns": {
            "geometry": {"encoding": "WKB", "geometry_types": ["Polygon"], "crs": None, "bbox": bbox, "edges": "planar"}
        },
    }
    return {"geo": json.dumps(geo)}


def _bbox(xy: np.ndarray) -> list[int]:
    if not len(xy):
        return [0, 0, 0, 0]
    x, y = xy[:, 0], xy[:, 1]  # column by column: numpy's axis=0 reduction over (n, 2) is 10x slower
    return [int(x.min()), int(y.min()), int(x.max()), int(y.max())]


def _geo(objects: pa.Table) -> dict:
    return json.loads(objects.schema.metadata[b"geo"])


def _label_attributes(label: pa.Array) -> dict[str, pa.Array]:
    import pyarrow.compute as pc

    table = labels_table()
    index = pc.index_in(label, value_set=table["label"])
    return {name: table[name].take(index) for name in LABEL_COLUMNS}


def _polygons(object_id: pa.Array, xy: np.ndarray, ring_lengths: np.ndarray, rings_per_object: np.ndarray) -> pa.Table:
    ring_of_object = np.arange(len(ring_lengths)) - np.repeat(starts(rings_per_object), rings_per_object)
    offsets = np.concatenate([[0], np.cumsum(ring_lengths)]).astype(np.int32)
    vertex = pa.StructArray.from_arrays([pa.array(xy[:, 0]), pa.array(xy[:, 1])], fields=list(schemas.VERTEX))
    table = pa.table(
        {
            "object_id": object_id.take(pa.array(np.repeat(np.arange(len(rings_per_object)), rings_per_object))),
            "ring": pa.array(ring_of_object, pa.int16()),
            "n_vertices": pa.array(ring_lengths, pa.int32()),
            "vertices": pa.ListArray.from_arrays(pa.array(offsets), vertex),
        }
    )
    return table.cast(schemas.POLYGONS)


def _with_geo_metadata(objects: pa.Table, bbox: list[int]) -> pa.Table:
    return objects.replace_schema_metadata(geo_metadata(bbox))
