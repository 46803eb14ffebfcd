"""Keep the edges honest: every SQL file is documented and creates the view it is named after."""

from __future__ import annotations

import re

import pytest

from cityscapes_warehouse.resources import SQL_DIR, sql_files
from cityscapes_warehouse.schemas import TABLES

SQL_FILES = sql_files()


def test_every_layer_has_views():
    assert {path.parent.name for path in SQL_FILES} == {"staging", "marts", "checks", "dn"}


@pytest.mark.parametrize("table", TABLES)
def test_every_table_has_a_staging_view(table):
    assert SQL_DIR / "staging" / f"stg_{table}.sql" in SQL_FILES


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_file_has_a_header_naming_its_grain(path):
    header = [line for line in path.read_text().splitlines() if line.startswith("--")]
    assert header and header[0].startswith(f"-- {path.stem}: one row per")


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_file_creates_the_view_it_is_named_after(path):
    created = re.findall(r"create or replace view (\w+)", path.read_text())
    assert created == [path.stem]


@pytest.mark.parametrize("path", SQL_FILES, ids=lambda p: p.name)
def test_sql_file_names_no_file_system_path(path):
    body = _body(path)
    literals = re.findall(r"'([^']*)'", body)
    assert not re.search(r"read_(parquet|json|csv)|\.parquet|\.json", body)
    assert not [text for text in literals if "/" in text or "\\" in text]


def _body(path) -> str:
    return "\n".join(line for line in path.read_text().splitlines() if not line.startswith("--"))


def _sources(path) -> set[str]:
    text = _body(path)
    ctes = set(re.findall(r"(\w+) as \(", text))
    return set(re.findall(r"\b(?:from|join)\s+(\w+)", text)) - ctes


@pytest.mark.parametrize("path", [p for p in SQL_FILES if p.parent.name == "marts"], ids=lambda p: p.name)
def test_marts_read_only_staging(path):
    sources = _sources(path)
    assert sources and all(name.startswith("stg_") for name in sources), sources


@pytest.mark.parametrize("path", [p for p in SQL_FILES if p.parent.name in ("checks", "dn")], ids=lambda p: p.name)
def test_checks_and_dn_views_read_only_staging_and_marts(path):
    marts = {p.stem for p in SQL_FILES if p.parent.name == "marts"}
    sources = _sources(path)
    assert sources and all(name.startswith("stg_") or name in marts for name in sources), sources


def test_sql_dir_is_inside_the_project():
    assert SQL_DIR.name == "sql" and (SQL_DIR.parent / "pyproject.toml").is_file()
