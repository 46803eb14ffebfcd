"""Everything the report shows, read from the warehouse views into plain Python values."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np

from ..pixels import CELL_PX
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


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def read_facts(con: duckdb.DuckDBPyConnection) -> ReportFacts:
    info = _rows(con, "select * from build_info")[0]
    totals = _rows(
        con,
        """
        select (select count(*) from stg_images) as images, (select count(*) from stg_objects) as objects,
               (select count(distinct label) from stg_objects) as labels,
               (select count(distinct city) from stg_images) as cities,
               (select count(distinct split) from stg_images) as splits,
               (select count(*) from stg_rejects) as rejects,
               (select avg(unlabeled_pct) from image_coverage) as unlabeled_pct""",
    )[0]
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

    images = max(totals["images"], 1)
    heatmaps: dict[str, np.ndarray] = {}
    grid = _rows(con, "select max(cell_x) + 1 as cols, max(cell_y) + 1 as rows from class_heatmap")[0]
    if grid["cols"]:
        for row in _rows(con, "select label, cell_x, cell_y, coverage_px from class_heatmap"):
            cells = heatmaps.setdefault(row["label"], np.zeros((grid["rows"], grid["cols"]), np.float64))
            cells[row["cell_y"], row["cell_x"]] = row["coverage_px"] / (images * CELL_PX * CELL_PX)

    return ReportFacts(
        info=info,
        totals=totals,
        splits=_rows(con, "select * from split_stats"),
        cities=_rows(con, "select * from city_stats"),
        labels=labels,
        colors=colors,
        class_balance=balance,
        cooccurrence=cooccurrence,
        objects_distribution=distribution,
        objects_per_image=_objects_per_image(con),
        class_sizes=_rows(con, "select * from dn_class_sizes order by object_count desc, label"),
        heatmaps=heatmaps,
        visibility=_rows(
            con,
            """
            select label, count(*) as objects, avg(visible_fraction) as mean_visible_fraction,
                   count(*) filter (where is_fully_hidden) as fully_hidden,
                   sum(visible_area_px) / nullif(sum(mask_area_px), 0) as visible_share_px
            from object_visibility group by label order by mean_visible_fraction, label""",
        ),
        invalid_reasons=_rows(
            con,
            """
            select trim(regexp_extract(invalid_reason, '^[^\\[]+')) as reason, count(*) as objects,
                   count(distinct label) as labels
            from stg_objects where not is_valid group by 1 order by objects desc""",
        ),
        out_of_bounds=_rows(
            con,
            """
            select label, count(*) as objects from stg_objects where out_of_bounds
            group by label order by objects desc, label""",
        ),
        rejects=_rows(con, "select reason, count(*) as rejects from stg_rejects group by reason order by rejects desc"),
        label_image_mismatches=read_label_image_mismatches(con),
    )


def _objects_per_image(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[int, int]]]:
    by_split: dict[str, list[tuple[int, int]]] = {}
    for row in _rows(
        con,
        """
            select split, n_objects, count(*) as images from stg_images group by split, n_objects
            order by case split when 'train' then 1 when 'val' then 2 when 'test' then 3 else 4 end, n_objects""",
    ):
        by_split.setdefault(row["split"], []).append((row["n_objects"], row["images"]))
    return by_split
