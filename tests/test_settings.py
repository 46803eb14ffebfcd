"""Settings in one place, and one way to start worker processes."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import cityscapes_warehouse
from cityscapes_warehouse.config import START_METHOD, Settings, available_cores, worker_context

PACKAGE_DIR = Path(cityscapes_warehouse.__file__).parent


def multiprocessing_calls(name: str) -> list[str]:
    """Files of the package that call `multiprocessing.<name>`."""
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            if (
                isinstance(func, ast.Attribute)
                and func.attr == name
                and isinstance(func.value, ast.Name)
                and func.value.id == "multiprocessing"
            ):
                found.append(path.relative_to(PACKAGE_DIR).as_posix())
    return found


def test_worker_processes_are_never_forked_from_a_build():
    assert START_METHOD == "spawn" and worker_context().get_start_method() == START_METHOD


def test_the_start_method_is_chosen_in_config_alone():
    assert set(multiprocessing_calls("get_context")) == {"config.py"}
    assert not multiprocessing_calls("set_start_method")


def test_the_default_workers_are_the_usable_cores_up_to_eight():
    assert Settings().workers == min(available_cores(), 8) >= 1


def test_spawned_workers_of_the_console_script_do_not_run_it_again(monkeypatch, tmp_path):
    """The script `cityscapes-warehouse` imports the whole CLI (DuckDB, polars); spawn would run it
    again in every worker unless the main module is a package's __main__ (multiprocessing decides)."""
    import multiprocessing.spawn
    import types

    from cityscapes_warehouse import cli

    script = types.ModuleType("__main__")
    script.__file__ = str(tmp_path / "cityscapes-warehouse")
    script.__spec__ = None
    script.main = cli.main
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert "init_main_from_path" in multiprocessing.spawn.get_preparation_data("worker")

    cli._light_workers()

    prepared = multiprocessing.spawn.get_preparation_data("worker")
    assert "init_main_from_path" not in prepared
    assert prepared["init_main_from_name"] == "cityscapes_warehouse.__main__"  # skipped by spawn's child


def test_another_programs_main_module_is_left_alone(monkeypatch, tmp_path):
    import types

    from cityscapes_warehouse import cli

    program = types.ModuleType("__main__")
    program.__file__ = str(tmp_path / "their_script.py")
    program.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", program)
    cli._light_workers()
    assert program.__spec__ is None
