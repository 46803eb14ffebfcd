"""The views and suites ship inside the package; finding none is a loud error, never a pass."""

from __future__ import annotations

from importlib.resources import files

from cityscapes_warehouse import resources
from cityscapes_warehouse.checks import runner, suites
from cityscapes_warehouse.cli import main


def test_views_and_suites_are_read_from_the_package():
    assert files("cityscapes_warehouse.sql") == resources.SQL_DIR
    assert files("cityscapes_warehouse.expectations") == resources.EXPECTATIONS_DIR
    assert len(resources.sql_files()) > 20 and len(suites.suite_paths()) > 10


def test_build_without_views_exits_2_and_publishes_nothing(tmp_path, tiny_folder, monkeypatch, capsys):
    monkeypatch.setattr(resources, "SQL_DIR", tmp_path / "empty")
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh")]) == 2
    assert "no view definitions" in capsys.readouterr().err
    assert not (tmp_path / "wh").exists()


def test_report_without_views_exits_2(tmp_path, tiny_warehouse, monkeypatch, capsys):
    monkeypatch.setattr(resources, "SQL_DIR", tmp_path / "empty")
    assert main(["report", "--warehouse", str(tiny_warehouse.path), "--out", str(tmp_path / "r.html")]) == 2
    assert "no view definitions" in capsys.readouterr().err
    assert not (tmp_path / "r.html").exists()


def test_validate_without_suites_exits_2(tmp_path, tiny_warehouse, monkeypatch, capsys):
    (tmp_path / "empty").mkdir()
    monkeypatch.setattr(runner.validate_warehouse, "__defaults__", (None, tmp_path / "empty"))
    assert main(["validate", "--warehouse", str(tiny_warehouse.path)]) == 2
    assert "no expectation suites" in capsys.readouterr().err


def test_stats_on_a_database_without_its_views_exits_2_naming_the_view(tiny_warehouse, capsys):
    import duckdb

    con = duckdb.connect(str(tiny_warehouse.database))
    con.execute("drop view split_stats")
    con.close()
    assert main(["stats", "--by", "split", "--warehouse", str(tiny_warehouse.path)]) == 2
    assert "split_stats" in capsys.readouterr().err
