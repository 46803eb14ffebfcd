"""The command line mirrors Warehouse: every public method has a command and every command a method
(or a stated reason), and the help texts list what they refer to from the files that define it."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.catalog import suite_purposes, view_names
from cityscapes_warehouse.cli import COMMANDS_WITHOUT_METHOD, METHOD_COMMANDS, QUERY_ALIAS, _parser, main
from cityscapes_warehouse.export import EXPORTERS
from cityscapes_warehouse.schemas import TABLES

README = Path(__file__).resolve().parent.parent / "README.md"
SUBPARSERS = _parser()._subparsers._group_actions[0]
COMMANDS = sorted({parser.prog.split()[-1] for parser in SUBPARSERS.choices.values()})


def _help_text(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit):
        main([*argv, "--help"])
    return capsys.readouterr().out


def test_every_public_warehouse_method_has_a_command_or_a_reason():
    public = {name for name, _ in inspect.getmembers(Warehouse) if not name.startswith("_")}
    assert public == set(METHOD_COMMANDS)


def test_every_command_is_a_method_or_declared_otherwise():
    mirrored = {command for command in METHOD_COMMANDS.values() if command}
    assert set(COMMANDS) == mirrored | COMMANDS_WITHOUT_METHOD


def test_sql_is_an_alias_of_query_and_the_help_says_so(capsys):
    assert SUBPARSERS.choices[QUERY_ALIAS] is SUBPARSERS.choices["query"]
    assert "`sql` is an alias" in _help_text(capsys, "query")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_text_and_is_in_the_readme(command, capsys):
    text = _help_text(capsys, command)
    assert len(SUBPARSERS.choices[command].description) > 20 and "example:" in text
    assert f"cityscapes-warehouse {command}" in README.read_text()


def test_query_help_lists_every_table_and_view(capsys):
    text = " ".join(_help_text(capsys, "query").split())
    names = list(TABLES) + [name for names in view_names().values() for name in names]
    assert [name for name in names if f" {name} " not in f" {text} "] == []
    assert "dn_class_balance" in names and "object_visibility" in names and "image_coverage" in names


def test_validate_help_lists_every_suite(capsys):
    text = _help_text(capsys, "validate")
    suites = [name for names in suite_purposes().values() for name in names]
    assert len(suites) == len(list(Path(README.parent, "expectations").glob("*.json")))
    assert [name for name in suites if name not in text] == []


def test_build_help_names_every_source_format(capsys):
    text = " ".join(_help_text(capsys, "build").split())
    assert all(word in text for word in ("gtFine_trainvaltest.zip", "gtFine/ folder", "Supervisely", ".tar", "COCO"))


def test_export_formats_come_from_the_exporters(capsys):
    action = next(a for a in SUBPARSERS.choices["export"]._actions if "--format" in a.option_strings)
    assert list(action.choices) == list(EXPORTERS)


def test_info_prints_how_the_warehouse_was_built(tiny_warehouse, capsys):
    assert main(["info", "--warehouse", str(tiny_warehouse.path), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["files_read"] == 3 and info["synthetic"] is False and info["warehouse"] == str(tiny_warehouse.path)


def test_the_database_file_is_accepted_as_warehouse(tiny_warehouse, capsys):
    database = tiny_warehouse.path / "warehouse.duckdb"
    assert main(["query", "select count(*) as n from images", "--warehouse", str(database), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "n\n3\n"
    assert Warehouse(database).path == tiny_warehouse.path
