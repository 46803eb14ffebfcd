"""report, validate --report and export never write into a warehouse, and never replace a file this
tool did not write unless --force says so."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cityscapes_warehouse.cli import main


@pytest.fixture
def built(tmp_path, tiny_folder) -> Path:
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh")]) == 0
    return tmp_path / "wh"


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_report_onto_the_warehouse_database_is_refused_even_forced(built, capsys, force):
    before = _digest(built)
    assert main(["report", "--out", str(built / "warehouse.duckdb"), "--warehouse", str(built), *force]) == 2
    assert "inside the warehouse" in capsys.readouterr().err
    assert _digest(built) == before


def test_report_into_the_warehouse_folder_is_refused(built, capsys):
    assert main(["report", "--out", str(built / "report.html"), "--warehouse", str(built)]) == 2
    assert "inside the warehouse" in capsys.readouterr().err
    assert not (built / "report.html").exists()


def test_report_does_not_replace_someone_elses_file(built, tmp_path, capsys):
    notes = tmp_path / "notes.html"
    notes.write_text("<p>my notes</p>")
    assert main(["report", "--out", str(notes), "--warehouse", str(built)]) == 2
    assert "--force" in capsys.readouterr().err
    assert notes.read_text() == "<p>my notes</p>"


def test_report_replaces_its_own_page_and_with_force_any_file(built, tmp_path):
    page = tmp_path / "report.html"
    assert main(["report", "--out", str(page), "--warehouse", str(built)]) == 0
    assert main(["report", "--out", str(page), "--warehouse", str(built)]) == 0
    notes = tmp_path / "notes.html"
    notes.write_text("mine")
    assert main(["report", "--out", str(notes), "--warehouse", str(built), "--force"]) == 0
    assert notes.read_text().lstrip().lower().startswith("<!doctype html>")


def test_validate_report_follows_the_same_rules(built, tmp_path, capsys):
    suite = ["--suite", "objects.integrity", "--warehouse", str(built)]
    assert main(["validate", *suite, "--report", str(built / "validation.md")]) == 2
    notes = tmp_path / "notes.md"
    notes.write_text("mine")
    assert main(["validate", *suite, "--report", str(notes)]) == 2
    assert notes.read_text() == "mine"
    assert main(["validate", *suite, "--report", str(notes), "--force"]) == 0
    assert main(["validate", *suite, "--report", str(notes)]) == 0
    assert notes.read_text().startswith("# Warehouse validation")


def test_export_into_the_warehouse_is_refused(built, capsys):
    before = _digest(built)
    assert main(["export", "--format", "coco", str(built / "coco"), "--warehouse", str(built)]) == 2
    assert "inside the warehouse" in capsys.readouterr().err
    assert _digest(built) == before and not (built / "coco").exists()
