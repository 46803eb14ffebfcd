"""Write the published-count suites (expectations/*.published.json) from etl/published.py.

The JSON files are committed so that anyone can read what is checked; this module is how they were
written, and a test keeps them equal to its output. The same code writes suites for a replica of
any scale from its truth.json, so tests check a small replica against its own scaled figures.

    python -m cityscapes_warehouse.checks.published_suites             # rewrite expectations/
    python -m cityscapes_warehouse.checks.published_suites --truth replica/truth.json --out DIR

Per-key figures are column sums over the stats views filtered by a row condition: a key missing
from the view sums to 0 and fails, where a per-row expectation would pass on no rows. Row
conditions are GX Condition objects as JSON; string conditions with `condition_parser` still work
in GX 1.24 but are deprecated since 1.9 and go in 2.0.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import duckdb

from .. import published
from ..published import CityFigures, ClassFigures, SplitFigures
from ..resources import EXPECTATIONS_DIR
from .suites import Suite, dump_suite

PURPOSE = "published"
CLASS_COLUMNS = {"images": "images per class", "objects": "objects per class"}


@dataclass(frozen=True)
class Figures:
    images: int
    objects: int
    classes: int
    cities: int
    image_width_px: int
    image_height_px: int
    splits: dict[str, SplitFigures]
    city_figures: dict[str, CityFigures]
    class_figures: dict[str, ClassFigures]


def published_figures() -> Figures:
    return Figures(
        images=published.TOTAL_IMAGES,
        objects=published.TOTAL_OBJECTS,
        classes=published.TOTAL_CLASSES,
        cities=published.TOTAL_CITIES,
        image_width_px=published.IMAGE_WIDTH_PX,
        image_height_px=published.IMAGE_HEIGHT_PX,
        splits=published.SPLIT_FIGURES,
        city_figures=published.CITY_FIGURES,
        class_figures=published.CLASS_FIGURES,
    )


def replica_figures(truth: dict[str, Any]) -> Figures:
    """The figures a replica was written to have (its truth.json), at its scale."""
    absent = ClassFigures(0, 0, 0, 0, 0)  # a class a small replica lacks: every figure 0
    classes = {name: absent for name in published.CLASS_FIGURES}
    for name, figures in truth["classes"].items():
        per_split = figures["objects_per_split"]
        classes[name] = ClassFigures(figures["images"], figures["objects"], **per_split)
    return Figures(
        images=truth["images"],
        objects=truth["objects"],
        classes=truth["classes_total"],
        cities=truth["cities_total"],
        image_width_px=truth["image_width_px"],
        image_height_px=truth["image_height_px"],
        splits={s: SplitFigures(**truth["splits"][s]) for s in published.SPLITS},
        city_figures={c: CityFigures(**f) for c, f in truth["cities"].items()},
        class_figures=classes,
    )


def where(column: str, value: object) -> dict:
    """A GX row condition `column == value`, in the JSON form GX 1.9+ reads (strings are deprecated)."""
    return {"type": "comparison", "column": {"name": column}, "operator": "==", "parameter": value}


def _figure(group: str, key: str, column: str, expected: int, condition: dict | None = None) -> dict:
    kwargs: dict[str, Any] = {"column": column}
    if condition:
        kwargs["row_condition"] = condition
    kwargs |= {"min_value": expected, "max_value": expected}
    return {"type": "expect_column_sum_to_be_between", "kwargs": kwargs, "meta": {"group": group, "key": key}}


def _row_count(group: str, key: str, expected: int) -> dict:
    return {
        "type": "expect_table_row_count_to_equal",
        "kwargs": {"value": expected},
        "meta": {"group": group, "key": key},
    }


def _suite(table: str, description: str, expectations: list[dict], **meta: Any) -> dict:
    return {
        "name": f"{table}.{PURPOSE}",
        "meta": {"purpose": PURPOSE, "required": False, "description": description, **meta},
        "expectations": expectations,
    }


def split_suite(f: Figures) -> dict:
    items = [_figure("total", "images", "images", f.images), _figure("total", "objects", "objects", f.objects)]
    for split in published.SPLITS:
        condition = where("split", split)
        items.append(_figure("images per split", split, "images", f.splits[split].images, condition))
        items.append(_figure("objects per split", split, "objects", f.splits[split].objects, condition))
    return _suite("split_stats", "Total images and objects, and images and objects per split.", items)


def city_suite(f: Figures) -> dict:
    items = [_row_count("total", "cities", f.cities)]
    for city, figures in sorted(f.city_figures.items()):
        condition = where("city", city)
        items.append(_figure("images per city", city, "images", figures.images, condition))
        # city_stats.split lists every split a city has images in ("test,train"), so a city found in
        # a second split, or missing, fails here
        items.append(
            {
                "type": "expect_column_most_common_value_to_be_in_set",
                "kwargs": {"column": "split", "row_condition": condition, "value_set": [figures.split]},
                "meta": {"group": "split of city", "key": city},
            }
        )
    return _suite("city_stats", "Cities, images per city, and the one split each city lies in.", items)


def class_suite(f: Figures) -> dict:
    items = [_row_count("total", "classes", f.classes)]
    for label, figures in f.class_figures.items():
        condition = where("label", label)
        items.append(_figure("images per class", label, "images", figures.images, condition))
        items.append(_figure("objects per class", label, "objects", figures.objects, condition))
        for split in published.SPLITS:
            group = f"objects per class in {split}"
            items.append(_figure(group, label, f"{split}_objects", figures.objects_in(split), condition))
    return _suite("class_stats", "Classes; images holding each class, its objects, its objects per split.", items)


def image_size_suite(f: Figures) -> dict:
    items = [
        {
            "type": "expect_column_values_to_be_in_set",
            "kwargs": {"column": axis, "value_set": [size]},
            "meta": {"group": "image size", "key": f"{axis} = {size} px"},
        }
        for axis, size in (("width", f.image_width_px), ("height", f.image_height_px))
    ]
    return _suite(
        "images", "Every image of the published release is 2048 x 1024 px.", items, example_columns=["image_id"]
    )


@dataclass(frozen=True)
class Coverage:
    """What of the release a warehouse holds, so a subset is held only to the figures it can match.

    A city counts when it has an image; a split when every one of its cities does (a partial split
    cannot match its published totals); the totals and the per-class figures need every split.
    """

    cities: frozenset[str]

    @property
    def complete_splits(self) -> set[str]:
        return {split for split in published.SPLITS if set(_cities_of(split)) <= self.cities}

    @property
    def full(self) -> bool:
        return self.complete_splits == set(published.SPLITS)

    def covers(self, expectation: dict) -> bool:
        group, key = expectation["meta"]["group"], expectation["meta"]["key"]
        if group in ("images per split", "objects per split"):
            return key in self.complete_splits
        if group.startswith("objects per class in "):
            return group.removeprefix("objects per class in ") in self.complete_splits
        if group in ("images per city", "split of city"):
            return key in self.cities
        if group == "image size":
            return True  # a rule on each image present
        return self.full  # totals, classes, images and objects per class: the whole release

    def absent(self) -> list[str]:
        """What was not checked and why, one line per split short of complete; empty when full."""
        lines = []
        for split in published.SPLITS:
            cities = _cities_of(split)
            present = [c for c in cities if c in self.cities]
            if len(present) == len(cities):
                continue
            if present:
                missing = [c for c in cities if c not in self.cities]
                lines.append(
                    f"split {split}: {len(present)} of its {len(cities)} cities present, so only those cities "
                    f"were checked (absent: {', '.join(missing)})"
                )
            else:
                lines.append(f"split {split}: absent (none of its {len(cities)} cities)")
        if lines:
            lines.append("totals and per-class figures: not checked, they need every split")
        return lines


def _cities_of(split: str) -> list[str]:
    return sorted(city for city, figures in published.CITY_FIGURES.items() if figures.split == split)


def scope_to_coverage(suites: list[Suite], coverage: Coverage) -> list[Suite]:
    """The suites with each published-count expectation the warehouse cannot be held to left out
    (a suite left with none is dropped); every other suite as it was."""
    scoped = []
    for suite in suites:
        if suite.purpose != PURPOSE:
            scoped.append(suite)
            continue
        kept = [item for item in suite.expectations if coverage.covers(item)]
        if kept:
            scoped.append(replace(suite, expectations=kept))
    return scoped


def warehouse_coverage(con: duckdb.DuckDBPyConnection) -> Coverage:
    return Coverage(frozenset(row[0] for row in con.execute("select distinct city from stg_images").fetchall()))


def published_suites(figures: Figures | None = None) -> list[dict]:
    figures = figures or published_figures()
    return [split_suite(figures), city_suite(figures), class_suite(figures), image_size_suite(figures)]


def write_published_suites(out: Path = EXPECTATIONS_DIR, figures: Figures | None = None) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in published_suites(figures):
        path = out / f"{doc['name']}.json"
        path.write_text(dump_suite(doc))
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, help="a replica's truth.json: write its scaled figures instead")
    parser.add_argument("--out", type=Path, default=EXPECTATIONS_DIR, help="folder to write the suites to")
    args = parser.parse_args(argv)
    figures = replica_figures(json.loads(args.truth.read_text())) if args.truth else published_figures()
    for path in write_published_suites(args.out, figures):
        print(path)


if __name__ == "__main__":
    main()
