"""What a user can name on the command line, listed from the files that define it, never typed twice:
the tables and views (from schemas.py and sql/) and the expectation suites (from expectations/).
"""

from __future__ import annotations

import json
import textwrap

from .resources import EXPECTATIONS_DIR, SQL_LAYERS, ResourceError, sql_files
from .schemas import TABLES

LAYER_TEXT = {
    "staging": "staging views, 1:1 on the tables",
    "marts": "statistics",
    "checks": "what the integrity suites check",
    "dn": "Dataset Ninja's statistics and the pixel views, filled by build --pixels",
}
PURPOSE_TEXT = {
    "published": "the published counts of the release (reported)",
    "integrity": "required to publish",
    "completeness": "nothing rejected for a fault of the source",
}


def view_names() -> dict[str, list[str]]:
    """Every view, by layer, named after its SQL file."""
    return {layer: [p.stem for p in sql_files() if p.parent.name == layer] for layer in SQL_LAYERS}


def suite_purposes() -> dict[str, list[str]]:
    """Every suite in expectations/, by its purpose."""
    purposes: dict[str, list[str]] = {}
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        try:
            purpose = json.loads(path.read_text(encoding="utf-8"))["meta"]["purpose"]
        except (OSError, ValueError, KeyError, TypeError):
            purpose = "unreadable (validate names the fault)"
        purposes.setdefault(purpose, []).append(path.name.removesuffix(".json"))
    return purposes


def views_help() -> str:
    lines = _entry("tables", "the data", list(TABLES))
    try:
        views = view_names()
    except ResourceError as exc:  # a broken install: --help still works, and says so
        views = {"views": [f"none found ({exc})"]}
    for layer, names in views.items():
        lines += _entry(layer, LAYER_TEXT.get(layer, ""), names)
    return "what you can query:\n" + "\n".join(lines)


def suites_help() -> str:
    lines = []
    for purpose, names in suite_purposes().items():
        lines += _entry(purpose, PURPOSE_TEXT.get(purpose, ""), names)
    return "suites (expectations/<name>.json):\n" + "\n".join(lines)


def _entry(title: str, meaning: str, names: list[str]) -> list[str]:
    head = f"  {title} ({meaning}):" if meaning else f"  {title}:"
    return [head] + textwrap.wrap(" ".join(names), width=76, initial_indent="    ", subsequent_indent="    ")
