"""Expectation suites as JSON files in expectations/, loaded strictly into GX suites.

A suite file is named `<table>.<purpose>.json`: <table> is the table or view it validates. Its
top-level `meta` says what it is for (`purpose`) and whether the warehouse must pass it to be
published (`required`). Every expectation carries `meta.group` and `meta.key`, the human name of the
figure it checks ("objects per class", "car"); GX returns results in its own order, so results are
matched back by that name, never by position.

GX silently drops an expectation whose type it does not know, so a misspelled type would make a
check vanish. Loading here refuses such a file instead, naming the file, the index and the type,
and refuses a type GX knows but expectation_types.SUPPORTED does not declare, whichever engine loads it.
`check_with_gx=False` keeps every structural check but leaves the types and kwargs to the engine
that runs the suite: the build's audit (checks/duckdb_engine.py) refuses what it cannot run exactly,
and never pays the seconds GX takes to import.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..resources import EXPECTATIONS_DIR
from .expectation_types import SUPPORTED
from .gx import gx_modules

SUITE_KEYS = {"name", "meta", "expectations"}
EXPECTATION_KEYS = {"type", "kwargs", "meta"}


class SuiteError(ValueError):
    """A suite file cannot be used as written."""


@dataclass(frozen=True)
class Suite:
    name: str  # the file stem, `<table>.<purpose>`
    table: str
    purpose: str
    required: bool
    description: str
    example_columns: tuple[str, ...]  # columns that identify a row breaking a per-row expectation
    expectations: list[dict[str, Any]]  # as written in the file
    path: Path

    def gx_suite(self):
        """A fresh GX ExpectationSuite: built per run, as GX stamps ids and batch ids on it."""
        modules = gx_modules()
        built = [build_expectation(self.path, index, item) for index, item in enumerate(self.expectations)]
        suite = modules.ExpectationSuite(name=self.name, expectations=built, meta={"purpose": self.purpose})
        if len(suite.expectations) != len(self.expectations):
            raise SuiteError(
                f"{self.path.name}: {len(self.expectations)} expectations in the file, "
                f"{len(suite.expectations)} loaded by GX"
            )
        return suite

    def expectation_for(self, group: str, key: str) -> dict[str, Any]:
        return self._by_name()[(group, key)]

    def _by_name(self) -> dict[tuple[str, str], dict[str, Any]]:
        return {(e["meta"]["group"], e["meta"]["key"]): e for e in self.expectations}


def suite_paths(expectations_dir: Path = EXPECTATIONS_DIR) -> list[Path]:
    """Every suite file; none is an error, since a validation over no suite would pass on nothing."""
    paths = sorted(Path(expectations_dir).glob("*.json"))
    if not paths:
        raise SuiteError(f"no expectation suites (*.json) in {expectations_dir}; reinstall cityscapes-warehouse")
    return paths


def load_suites(
    names: list[str] | None = None, expectations_dir: Path = EXPECTATIONS_DIR, check_with_gx: bool = True
) -> list[Suite]:
    """Every suite in the folder, or the named ones (file stems such as `class_stats.published`)."""
    paths = {path.stem: path for path in suite_paths(expectations_dir)}
    if names is None:
        names = list(paths)
    if not names:  # a validation over no suite would pass on nothing
        raise SuiteError(
            f"no suite to run: {expectations_dir} holds none" if not paths else "no suite to run: none named"
        )
    unknown = [name for name in names if name not in paths]
    if unknown:
        raise SuiteError(f"no suite named {', '.join(unknown)} in {expectations_dir}; suites: {', '.join(paths)}")
    return [load_suite(paths[name], check_with_gx) for name in names]


def required_suite_names(expectations_dir: Path = EXPECTATIONS_DIR) -> list[str]:
    """The suites a warehouse must pass before it is published (write-audit-publish).

    Read without GX: the engine that runs them checks their expectations.
    """
    return [suite.name for suite in load_suites(None, expectations_dir, check_with_gx=False) if suite.required]


def load_suite(path: Path, check_with_gx: bool = True) -> Suite:
    """Read one suite file and check every expectation against GX, refusing anything GX would drop.

    With `check_with_gx=False` only the structure is checked (keys, meta, names, row_condition
    objects), without importing GX.
    """
    path = Path(path)
    try:
        doc = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path.name}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict) or set(doc) != SUITE_KEYS:
        raise SuiteError(f"{path.name}: a suite is an object with exactly the keys {sorted(SUITE_KEYS)}")
    table, _, purpose = path.stem.partition(".")
    meta = doc["meta"]
    if doc["name"] != path.stem:
        raise SuiteError(f"{path.name}: name '{doc['name']}' differs from the file name '{path.stem}'")
    if not isinstance(meta, dict) or meta.get("purpose") != purpose or not isinstance(meta.get("required"), bool):
        raise SuiteError(
            f"{path.name}: meta must hold purpose '{purpose}' (the file name's second part) and required true/false"
        )
    items = doc["expectations"]
    if not isinstance(items, list) or not items:
        raise SuiteError(f"{path.name}: 'expectations' must be a non-empty list")
    names = set()
    for index, item in enumerate(items):
        if check_with_gx:
            build_expectation(path, index, item)
        else:
            check_structure(path, index, item)
        check_supported(path, index, item)
        name = (item["meta"]["group"], item["meta"]["key"])
        if name in names:
            raise SuiteError(f"{path.name}: expectation {index}: group/key {name} is used twice")
        names.add(name)
    suite = Suite(
        name=path.stem,
        table=table,
        purpose=purpose,
        required=meta["required"],
        description=meta.get("description", ""),
        example_columns=tuple(meta.get("example_columns", ())),
        expectations=items,
        path=path,
    )
    if check_with_gx:
        suite.gx_suite()  # GX itself agrees: same number of expectations built
    return suite


def expectation_label(path: Path, index: int, item: Any) -> str:
    """How an error names an expectation: `objects.integrity.json: expectation 3 (expect_...)`."""
    kind = item.get("type") if isinstance(item, dict) else None
    return f"{Path(path).name}: expectation {index}" + (f" ({kind})" if kind else "")


def check_structure(path: Path, index: int, item: Any) -> None:
    """What every expectation must look like whichever engine runs it; a SuiteError otherwise."""
    label = expectation_label(path, index, item)
    if not isinstance(item, dict) or set(item) != EXPECTATION_KEYS:
        raise SuiteError(f"{label}: an expectation is an object with exactly the keys {sorted(EXPECTATION_KEYS)}")
    meta = item["meta"]
    if not (isinstance(meta, dict) and isinstance(meta.get("group"), str) and isinstance(meta.get("key"), str)):
        raise SuiteError(f"{label}: meta must name the figure with a 'group' and a 'key' string")
    if not isinstance(item["kwargs"], dict):
        raise SuiteError(f"{label}: kwargs must be an object")
    if isinstance(item["kwargs"].get("row_condition"), str) or "condition_parser" in item["kwargs"]:
        raise SuiteError(
            f"{label}: write row_condition as a GX Condition object "
            '({"type": "comparison", "column": {"name": ...}, "operator": "==", "parameter": ...}); '
            "string conditions and condition_parser are deprecated since GX 1.9"
        )


def check_supported(path: Path, index: int, item: dict) -> None:
    """Refuse a type GX may know but the declared list lacks: the build's audit could not run it."""
    if item["type"] not in SUPPORTED:
        raise SuiteError(
            f"{expectation_label(path, index, item)}: cityscapes-warehouse does not run this type "
            f"(one list for GX and the audit, checks/expectation_types.py): it runs {', '.join(SUPPORTED)}"
        )


def build_expectation(path: Path, index: int, item: Any):
    """One expectation as a GX domain object, or a SuiteError naming file, index and type."""
    check_structure(path, index, item)
    modules = gx_modules()
    kind, label = item["type"], expectation_label(path, index, item)
    try:
        modules.get_expectation_impl(kind)
    except modules.ExpectationNotFoundError as exc:
        raise SuiteError(f"{label}: unknown expectation type '{kind}'") from exc
    try:
        return modules.ExpectationConfiguration(type=kind, kwargs=item["kwargs"], meta=item["meta"]).to_domain_obj()
    except (modules.PydanticValidationError, TypeError, ValueError) as exc:
        raise SuiteError(f"{label}: invalid kwargs: {_reasons(exc)}") from exc


def _reasons(exc: Exception) -> str:
    if hasattr(exc, "errors"):  # pydantic: one entry per bad field
        return "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
    return str(exc)


def dump_suite(doc: dict[str, Any]) -> str:
    """A suite as JSON with one expectation per line, so a file reads (and diffs) figure by figure.

    Each line starts with the figure's human name (meta), then the GX type and its arguments.
    """
    lines = [
        json.dumps({"meta": e["meta"], "type": e["type"], "kwargs": e["kwargs"]}, ensure_ascii=False)
        for e in doc["expectations"]
    ]
    body = ",\n    ".join(lines)
    return (
        f'{{\n  "name": {json.dumps(doc["name"])},\n  "meta": {json.dumps(doc["meta"], ensure_ascii=False)},\n'
        f'  "expectations": [\n    {body}\n  ]\n}}\n'
    )
