"""The cities, splits and labels the integrity suites check, written from their one declaration.

Cities and splits are declared in etl/published.py, labels in etl/labels.py. The suite files and
the dataset card keep them written out, so that anyone can read what is checked without running
code; this module is how they are written, and tests/test_domains.py keeps both equal to its output.
After changing a declaration:

    python -m cityscapes_warehouse.checks.domains    # from the checkout: rewrites expectations/ and data/README.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..labels import LABELS
from ..published import CITY_FIGURES, SPLITS
from ..resources import EXPECTATIONS_DIR
from .suites import dump_suite

IN_SET = "expect_column_values_to_be_in_set"
CARD_BEGIN = "<!-- cities and labels: written by `python -m cityscapes_warehouse.checks.domains` -->"
CARD_END = "<!-- end of cities and labels -->"


def domains() -> dict[str, dict[str, list[str]]]:
    """suite -> column -> the values its `expect_column_values_to_be_in_set` allows."""
    return {
        "images.integrity": {"split": list(SPLITS), "city": sorted(CITY_FIGURES)},
        "objects.integrity": {"label": list(LABELS)},
    }


def with_domains(doc: dict, columns: dict[str, list[str]]) -> dict:
    """The suite document with each named column's value set replaced by the declared one.

    A column with no in-set expectation in the suite is an error: the check would silently vanish.
    """
    found = set()
    expectations = []
    for item in doc["expectations"]:
        column = item["kwargs"].get("column")
        if item["type"] == IN_SET and column in columns:
            item = {**item, "kwargs": {**item["kwargs"], "value_set": columns[column]}}
            found.add(column)
        expectations.append(item)
    missing = sorted(set(columns) - found)
    if missing:
        raise ValueError(f"{doc['name']}: no {IN_SET} on {', '.join(missing)}")
    return {**doc, "expectations": expectations}


def domain_suite_texts(expectations_dir: Path = EXPECTATIONS_DIR) -> dict[Path, str]:
    """Each suite file that checks a declared domain, as it should read."""
    texts = {}
    for name, columns in domains().items():
        path = Path(expectations_dir) / f"{name}.json"
        texts[path] = dump_suite(with_domains(json.loads(path.read_text()), columns))
    return texts


def card_section() -> str:
    """The dataset card's list of cities by split and its label table, in Markdown."""
    lines = [CARD_BEGIN, "| split | cities (images) |", "|---|---|"]
    for split in SPLITS:
        cities = sorted(c for c, f in CITY_FIGURES.items() if f.split == split)
        lines.append(f"| {split} | {', '.join(f'{c} ({CITY_FIGURES[c].images})' for c in cities)} |")
    lines += [
        "",
        "| label | label_id | train_id | category | has_instances | ignore_in_eval | colour | crowd of |",
        "|---|---:|---:|---|---|---|---|---|",
    ]
    for label in LABELS.values():
        crowd = label.base_label if label.is_group and label.base_label != label.name else ""
        flags = f"{str(label.has_instances).lower()} | {str(label.ignore_in_eval).lower()}"
        lines.append(
            f"| {label.name} | {label.label_id} | {label.train_id} | {label.category} | {flags} | "
            f"`{label.color_hex}` | {crowd} |"
        )
    return "\n".join([*lines, CARD_END])


def with_card_section(card: str) -> str:
    """The card's text with the section between the markers written anew."""
    head, begin, rest = card.partition(CARD_BEGIN)
    _, end, tail = rest.partition(CARD_END)
    if not (begin and end):
        raise ValueError(f"the dataset card has no section between {CARD_BEGIN} and {CARD_END}")
    return head + card_section() + tail


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--card", type=Path, default=Path("data/README.md"), help="the dataset card to rewrite")
    args = parser.parse_args(argv)
    for path, text in domain_suite_texts().items():
        path.write_text(text)
        print(path)
    args.card.write_text(with_card_section(args.card.read_text()))
    print(args.card)


if __name__ == "__main__":
    main()
