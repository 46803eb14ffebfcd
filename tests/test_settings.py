"""Settings in one place, and one way to start worker processes."""

from __future__ import annotations

import ast
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
