"""What every exporter reads: the warehouse in memory, every vertex in one numpy array.

Objects are ordered by image, then draw_order; their rings follow in ring order, so an object's
rings are consecutive runs of `xy` and its gtFine point list (an 'out of roi' frame followed by
its hole) is one slice. Arrow reads the list<struct<x, y>> column in bulk: no Python object is
made per vertex.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..formats import format_of
from ..layout import native_path, table_dir
from ..published import SPLITS
from ..schemas import TABLES
from ..user_error import WarehouseError

OBJECT_COLUMNS = [
    "object_id",
    "image_id",
    "draw_order",
    "label",
    "base_label",
    "is_group",
    "n_holes",
    "area_px",
    "x_min",
    "y_min",
    "x_max",
    "y_max",
]


# What a build writes in `images` (a city and image_id are read from a file name, a split from a
# folder that must be one of SPLITS); the export makes file paths of them, so nothing else is taken.
CITY = re.compile(r"[a-z]+(?:_[a-z]+)*")
IMAGE_ID = re.compile(r"(?P<city>[a-z]+(?:_[a-z]+)*)_\d{6}_\d{6}")


class ExportError(WarehouseError):
    """The export cannot be written (an unknown split, an output folder in the way)."""


@dataclass(frozen=True)
class Rejected:
    draw_order: int
    label: str | None
    reason: str
    raw: str  # the object as its source spelled it, JSON


@dataclass
class Snapshot:
    images: list[dict]  # `images` rows of the exported split(s), in warehouse order
    source_format: str  # how `rejects.raw` is spelled: a name in formats.FORMATS
    synthetic: bool
    labels: list[dict]  # the `labels` table
    found_labels: list[str]  # labels of the objects of the whole warehouse, every split
    objects: dict[str, np.ndarray]  # OBJECT_COLUMNS, ordered by image then draw_order
    object_start: np.ndarray  # image i owns objects object_start[i]:object_start[i + 1]
    ring_start: np.ndarray  # object k owns rings ring_start[k]:ring_start[k + 1]
    vertex_start: np.ndarray  # ring r owns xy[vertex_start[r]:vertex_start[r + 1]]
    xy: np.ndarray  # (n, 2) int32, C order, so a slice serialises straight from memory
    rejected: dict[str, list[Rejected]]  # source_path -> its rejected objects

    def rings(self, k: int) -> list[np.ndarray]:
        return [
            self.xy[self.vertex_start[r] : self.vertex_start[r + 1]]
            for r in range(self.ring_start[k], self.ring_start[k + 1])
        ]

    def points(self, k: int) -> np.ndarray:
        """All rings of object k joined, as the gtFine file lists them."""
        return self.xy[self.vertex_start[self.ring_start[k]] : self.vertex_start[self.ring_start[k + 1]]]

    def entries(self, i: int) -> list[tuple[int, int | Rejected]]:
        """(draw_order, object index or Rejected) for every object of image i's file, in draw order."""
        first, last = self.object_start[i], self.object_start[i + 1]
        kept = zip(self.objects["draw_order"][first:last].tolist(), range(first, last), strict=True)
        rejected = ((r.draw_order, r) for r in self.rejected.get(self.images[i]["source_path"], []))
        return sorted([*kept, *rejected], key=lambda entry: entry[0])


def load_snapshot(warehouse: str | PathLike, split: str | None = None) -> Snapshot:
    """The warehouse directory's tables (or one split of them), in the order an exporter writes them."""
    root = Path(warehouse)
    images = _read(root, "images")
    _check_names(root, images)
    splits = sorted(set(images["split"].to_pylist()))
    if split is not None:
        if split not in splits:
            raise ExportError(f"no images of split '{split}' in {root} (its splits: {', '.join(splits)})")
        images = images.filter(pc.equal(images["split"], split))
    all_objects = _read(root, "objects", OBJECT_COLUMNS)
    found_labels = sorted(set(all_objects["label"].unique().to_pylist()))
    objects, object_start = _objects_of(images, all_objects)
    polygons = _read(root, "polygons", ["object_id", "ring", "vertices"])
    ring_object = pc.index_in(polygons["object_id"], value_set=objects["object_id"]).to_numpy(zero_copy_only=False)
    ring_object = np.nan_to_num(ring_object.astype(np.float64), nan=-1).astype(np.int64)
    order = np.lexsort((polygons["ring"].to_numpy(), ring_object))
    order = order[ring_object[order] >= 0]
    vertices = polygons["vertices"].take(pa.array(order)).combine_chunks()
    flat = pc.list_flatten(vertices)
    xy = np.column_stack([flat.field("x").to_numpy(), flat.field("y").to_numpy()]).astype(np.int32)
    info = _read(root, "build_info").to_pylist()[0]
    return Snapshot(
        images=images.to_pylist(),
        source_format=format_of(info["source_kind"]).name,
        synthetic=bool(info["synthetic"]),
        labels=_read(root, "labels").to_pylist(),
        found_labels=found_labels,
        objects={name: objects[name].to_numpy(zero_copy_only=False) for name in OBJECT_COLUMNS},
        object_start=object_start,
        ring_start=_starts(np.bincount(ring_object[order], minlength=objects.num_rows)),
        vertex_start=_starts(pc.list_value_length(vertices).to_numpy(zero_copy_only=False)),
        xy=np.ascontiguousarray(xy),
        rejected=_rejected(root, set(images["source_path"].to_pylist())),
    )


def _read(root: Path, name: str, columns: list[str] | None = None) -> pa.Table:
    """A table from its Parquet files; ExportError naming its folder when they are cut, altered or gone
    (a folder without its file reads as a table without columns)."""
    folder = table_dir(root, name)
    try:
        table = pq.read_table(native_path(folder), columns=columns)
    except (pa.ArrowException, OSError) as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ExportError(f"{folder}: cannot be read ({message}); build the warehouse again") from exc
    missing = [column for column in columns or TABLES[name].names if column not in table.column_names]
    if missing:
        raise ExportError(
            f"{folder}: no column {', '.join(missing)} (a file lost or altered); build the warehouse again"
        )
    return table


def _check_names(root: Path, images: pa.Table) -> None:
    """Refuse images whose split, city or image_id no build writes: they name the files the export
    writes, and a warehouse altered to hold '../..' there would have it write outside its folder."""
    names = zip(*(images[column].to_pylist() for column in ("split", "city", "image_id")), strict=True)
    for row, (split, city, image_id) in enumerate(names):
        m = IMAGE_ID.fullmatch(image_id or "")
        if split not in SPLITS or not CITY.fullmatch(city or "") or not m or m["city"] != city:
            raise ExportError(
                f"{table_dir(root, 'images')}: row {row} names split {split!r}, city {city!r} and image {image_id!r}, "
                "which no build writes (the warehouse was altered); build it again"
            )


def _starts(lengths: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(lengths, dtype=np.int64)])


def _objects_of(images: pa.Table, objects: pa.Table) -> tuple[pa.Table, np.ndarray]:
    """The objects of these images, ordered by image then draw_order, and where each image's begin."""
    image_index = pc.index_in(objects["image_id"], value_set=images["image_id"]).to_numpy(zero_copy_only=False)
    image_index = np.nan_to_num(image_index.astype(np.float64), nan=-1).astype(np.int64)
    order = np.lexsort((objects["draw_order"].to_numpy(), image_index))
    order = order[image_index[order] >= 0]
    counts = np.bincount(image_index[order], minlength=images.num_rows)
    return objects.take(pa.array(order)), _starts(counts)


def _rejected(root: Path, source_paths: set[str]) -> dict[str, list[Rejected]]:
    """Object rejects of the exported files. File rejects and second copies of an image hold no
    image of the warehouse: their source_path is no image's, so they are left out here."""
    table = _read(root, "rejects", ["source_path", "draw_order", "label", "reason", "raw"])
    by_file: dict[str, list[Rejected]] = {}
    for path, order, label, reason, raw in zip(*(table[c].to_pylist() for c in table.column_names), strict=True):
        if order is not None and path in source_paths:
            by_file.setdefault(path, []).append(Rejected(order, label, reason, raw))
    return by_file
