"""Reject reasons are declared once (etl/reasons.py): the code, the dataset card and the suites agree with it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cityscapes_warehouse import reasons
from cityscapes_warehouse.checks.suites import load_suites

PROJECT_ROOT = Path(__file__).resolve().parent.parent  # the checkout: the code and data/README.md
ETL = PROJECT_ROOT / "etl"
CARD = PROJECT_ROOT / "data" / "README.md"


def test_the_dataset_card_lists_every_reason_at_its_level():
    line = CARD.read_text().split("| reason |", 1)[1].splitlines()[0]
    objects, files = line.split("(objects)")
    assert re.findall(r"`([a-z_]+)`", objects) == sorted(reasons.OBJECT_REASONS, key=list(reasons.REASONS).index)
    assert re.findall(r"`([a-z_]+)`", files) == sorted(reasons.FILE_REASONS, key=list(reasons.REASONS).index)


def test_the_dataset_card_explains_every_reason_as_declared():
    rows = re.findall(r"^\| `([a-z_]+)` \| (object|file) \| (.+) \|$", CARD.read_text(), re.MULTILINE)
    assert rows == [(r.name, r.level, r.meaning) for r in reasons.REASONS.values()]


def test_the_completeness_suite_fails_on_every_source_fault_and_only_those():
    suite = next(s for s in load_suites(["rejects.completeness"]))
    refused = {value for e in suite.expectations for value in e["kwargs"]["value_set"]}
    assert refused == reasons.SOURCE_FAULTS


def test_every_reason_a_suite_names_is_declared():
    named = set()
    for suite in load_suites():
        for e in suite.expectations:
            kwargs = e["kwargs"]
            if kwargs.get("column") == "reason":
                named.update(kwargs.get("value_set", []))
            condition = kwargs.get("row_condition") or {}
            if isinstance(condition, dict) and condition.get("column", {}).get("name") == "reason":
                named.add(condition["parameter"])
    assert named and named <= set(reasons.REASONS)


def _spelled_reasons(path: Path) -> list[str]:
    """Reasons spelled as literals where a reject is made: reject("x", ..), FileProblem("x", ..), ("x", ..)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        first = None
        if isinstance(node, ast.Call) and node.args:
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in ("reject", "FileProblem"):
                first = node.args[0]
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2:
            first = node.elts[0]
        if isinstance(first, ast.Constant) and first.value in reasons.REASONS:
            found.append(f"{path.name}:{node.lineno} {first.value}")
    return found


def test_parser_and_sources_use_the_declared_constants():
    paths = [ETL / "parse.py", ETL / "batches.py", *sorted((ETL / "sources").glob("*.py"))]
    assert [spelled for path in paths for spelled in _spelled_reasons(path)] == []


def test_the_literal_check_catches_a_spelled_reason(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('out.reject("malformed_json", "x")\nproblem = ("too_large", "y")\n')
    assert len(_spelled_reasons(sample)) == 2
