"""Everything the report shows, read from the warehouse views into plain Python values.

No figure is computed here: each is a view a user can query too; this module only reshapes rows
into the matrices the charts draw.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from .gallery import GalleryImage, read_gallery
from .label_images import read_label_image_mismatches

# Void labels are black in the Cityscapes palette: a mid grey keeps their bars visible on white.
BLACK_FALLBACK = "#6b6b6b"


@dataclass
class ReportFacts:
    info: dict
    totals: dict
    splits: list[dict]
    cities: list[dict]
    labels: list[str]  # every label in the data, by objects, most first
    colors: dict[str, str]
    class_balance: list[dict]
    class_balance_by_split: list[dict]  # per (label, split): images, objects, objects_per_image
    cooccurrence: np.ndarray  # (labels, labels) images holding both
    objects_distribution: np.ndarray  # (labels, k) images with exactly k objects of the label
    objects_per_image: dict[str, list[tuple[int, int]]]  # split -> (objects on the image, images)
    class_sizes: list[dict]
    heatmaps: dict[str, np.ndarray]  # label -> (rows, cols) mean objects covering a pixel of the cell
    visibility: list[dict]
    invalid_reasons: list[dict]
    out_of_bounds: list[dict]
    rejects: list[dict]
    label_image_mismatches: dict  # label_images.py
    gallery: list[GalleryImage]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_facts(con: duckdb.DuckDBPyConnection) -> ReportFacts:
    """Every figure comes from a view (sql/marts, sql/dn); here they are only arranged for drawing."""
    info = _rows(con, "select * from build_info")[0]
    balance = _rows(con, "select * from dn_class_balance order by objects desc, label")
    labels = [row["label"] for row in balance]
    colors = {
        row["label"]: (BLACK_FALLBACK if row["color_hex"] == "#000000" else row["color_hex"])
        for row in _rows(con, "select label, color_hex from stg_labels")
    }
    position = {label: i for i, label in enumerate(labels)}

    cooccurrence = np.zeros((len(labels), len(labels)), np.int64)
    for row in _rows(con, "select * from dn_cooccurrence"):
        cooccurrence[position[row["label_a"]], position[row["label_b"]]] = row["images"]

    distribution_rows = _rows(con, "select * from dn_objects_distribution")
    max_k = max((row["k"] for row in distribution_rows), default=0)
    distribution = np.zeros((len(labels), max_k + 1), np.int64)
    for row in distribution_rows:
        distribution[position[row["label"]], row["k"]] = row["images"]

    heatmaps: dict[str, np.ndarray] = {}
    grid = _rows(con, "select max(cell_x) + 1 as cols, max(cell_y) + 1 as rows from class_heatmap_density")[0]
    if grid["cols"]:
        for row in _rows(con, "select label, cell_x, cell_y, objects_per_px from class_heatmap_density"):
            cells = heatmaps.setdefault(row["label"], np.zeros((grid["rows"], grid["cols"]), np.float64))
            cells[row["cell_y"], row["cell_x"]] = row["objects_per_px"]

    objects_per_image: dict[str, list[tuple[int, int]]] = {}
    for row in _rows(con, "select * from objects_per_image"):
        objects_per_image.setdefault(row["split"], []).append((row["objects"], row["images"]))

    return ReportFacts(
        info=info,
        totals=_rows(con, "select * from warehouse_totals")[0],
        splits=_rows(con, "select * from split_stats"),
        cities=_rows(con, "select * from city_stats"),
        labels=labels,
        colors=colors,
        class_balance=balance,
        class_balance_by_split=_rows(con, "select * from class_split_stats"),
        cooccurrence=cooccurrence,
        objects_distribution=distribution,
        objects_per_image=objects_per_image,
        class_sizes=_rows(con, "select * from dn_class_sizes order by object_count desc, label"),
        heatmaps=heatmaps,
        visibility=_rows(con, "select * from class_visibility"),
        invalid_reasons=_rows(con, "select * from invalid_reason_stats"),
        out_of_bounds=_rows(con, "select * from out_of_bounds_stats"),
        rejects=_rows(con, "select reason, rejects from reject_stats"),
        label_image_mismatches=read_label_image_mismatches(con),
        gallery=read_gallery(con),
    )
