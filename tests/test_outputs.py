"""report, validate --report and export never write into a warehouse, and never replace a file this
tool did not write unless --force says so."""

from __future__ import annotations

import hashlib
import os
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
def test_report_onto_the_warehouse_database_is_refused_even_forced(built, force):
    from cityscapes_warehouse import Warehouse
    from cityscapes_warehouse.outputs import OutputError

    before = _digest(built)
    with pytest.raises(SystemExit) as exit_:  # the CLI refuses the name before anything else
        main(["report", "--out", str(built / "warehouse.duckdb"), "--warehouse", str(built), *force])
    assert exit_.value.code == 2
    with pytest.raises(OutputError, match="inside the warehouse"):  # and the API, named as a page, the place
        Warehouse(built).report(built / "warehouse.html", force=bool(force))
    assert _digest(built) == before


@pytest.mark.parametrize("name", ["notes.txt", "report", "report.md", "report.html.bak"])
def test_report_refuses_a_file_not_named_html(built, tmp_path, capsys, name):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--warehouse", str(built), "--out", str(tmp_path / name)])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"cityscapes-warehouse report: error: argument --out: "
        f"must end in .html (the report is one HTML page), got '{tmp_path / name}'"
    )
    assert not (tmp_path / name).exists()


def test_report_from_python_refuses_a_file_not_named_html(built, tmp_path):
    from cityscapes_warehouse import Warehouse
    from cityscapes_warehouse.outputs import OutputError

    with pytest.raises(OutputError, match=r"notes\.txt: the report is one HTML page"):
        Warehouse(built).report(tmp_path / "notes.txt")
    assert not (tmp_path / "notes.txt").exists()
    assert Warehouse(built).report(tmp_path / "page.HTM").is_file()  # any case, either HTML suffix


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


@pytest.mark.parametrize("target", ["someone else's file", "inside the warehouse"])
def test_validate_refuses_its_report_target_before_validating(built, tmp_path, monkeypatch, capsys, target):
    from cityscapes_warehouse import Warehouse

    validated = []
    monkeypatch.setattr(Warehouse, "validate", lambda self, suites=None: validated.append(suites))
    notes = tmp_path / "notes.html"
    notes.write_text("mine")
    report = notes if target == "someone else's file" else built / "validation.html"
    assert main(["validate", "--warehouse", str(built), "--report", str(report)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cityscapes-warehouse validate: error: ") and len(err.splitlines()) == 1
    assert validated == []
    assert notes.read_text() == "mine" and not (built / "validation.html").exists()


@pytest.mark.parametrize("name", ["out.txt", "report", "report.html.bak"])
def test_validate_refuses_a_report_that_is_not_html_or_markdown(built, tmp_path, capsys, name):
    with pytest.raises(SystemExit) as exit_:
        main(["validate", "--warehouse", str(built), "--report", str(tmp_path / name)])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"cityscapes-warehouse validate: error: argument --report: "
        f"must end in .html or .md (the report's format), got '{tmp_path / name}'"
    )
    assert not (tmp_path / name).exists()


def test_export_into_the_warehouse_is_refused(built, capsys):
    before = _digest(built)
    assert main(["export", "--format", "coco", str(built / "coco"), "--warehouse", str(built)]) == 2
    assert "inside the warehouse" in capsys.readouterr().err
    assert _digest(built) == before and not (built / "coco").exists()


@pytest.mark.parametrize("fmt", ["gtfine", "supervisely", "coco"])
@pytest.mark.parametrize("column", ["split", "city", "image_id"])
def test_export_of_an_altered_warehouse_writes_nothing_outside_its_folder(built, tmp_path, fmt, column):
    """A warehouse is handed over as a folder; its images table names the files an export writes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    images = built / "tables" / "images" / "part-0.parquet"
    table = pq.read_table(images)
    escaping = pa.array(["../../../escaped"] * table.num_rows)
    pq.write_table(table.set_column(table.schema.get_field_index(column), column, escaping), images)
    out = tmp_path / "exports" / "deeper" / "out"
    before = {p for p in tmp_path.rglob("*") if p.is_file()}
    main(["export", "--format", fmt, str(out), "--warehouse", str(built)])
    written = {p for p in tmp_path.rglob("*") if p.is_file()} - before
    assert all(p.is_relative_to(out) for p in written), sorted(map(str, written))


# check_output_file in a child process, bounded: a target read without bounds hangs or fills memory
CHECK_TARGET = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from cityscapes_warehouse.outputs import OutputError, check_output_file
try:
    check_output_file(__import__("pathlib").Path(sys.argv[1]))
except OutputError as exc:
    print("refused:", exc)
"""


def _check_target(path: Path) -> str:
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", CHECK_TARGET, str(path)], capture_output=True, text=True, timeout=60)
    return done.stdout + done.stderr


def test_a_report_target_that_is_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "report.html"
    os.mkfifo(fifo)
    assert "refused: " in _check_target(fifo)


def test_a_report_target_linked_to_a_device_is_refused_without_reading_it(tmp_path):
    link = tmp_path / "report.html"
    link.symlink_to("/dev/zero")
    assert "refused: " in _check_target(link)
