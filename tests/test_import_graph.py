"""The package's import graph has no cycle, counting imports inside functions too.

A lazy import hides a cycle from Python at start-up but not from the next engineer: a subsystem
that imports the entry object back is tied to it both ways. Subsystems take a path or a
connection instead; lazy imports stay allowed where they buy speed (GX), never to dodge a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cityscapes_warehouse

PACKAGE = "cityscapes_warehouse"


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Dotted name -> file, for every module of the package rooted at `root`."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join([package, *parts])] = path
    return names


def imported_modules(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that `name` imports anywhere in its file (top level, functions, TYPE_CHECKING)."""
    is_package = path.name == "__init__.py"
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".")[: len(name.split(".")) - node.level + (1 if is_package else 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:  # `from . import x` imports module x; `from .m import f` imports m
                submodule = f"{target}.{alias.name}"
                found.add(submodule if submodule in modules else target)
    return (found & set(modules)) - {name}


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    modules = module_names(root, package)
    return {name: imported_modules(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while not group or group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def write_package(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def test_the_package_has_no_import_cycle():
    root = Path(cityscapes_warehouse.__file__).parent
    graph = import_graph(root, PACKAGE)
    assert len(graph) > 50 and f"{PACKAGE}.warehouse" in graph[PACKAGE]  # the whole package was read
    assert cycles(graph) == []


def test_an_import_inside_a_function_closes_a_cycle(tmp_path):
    root = write_package(
        tmp_path / "pkg",
        {
            "__init__.py": "from .entry import Entry\n",
            "entry.py": "class Entry:\n    def export(self):\n        from .sub.writer import write\n",
            "sub/__init__.py": "",
            "sub/writer.py": "from ..entry import Entry\n",
        },
    )
    assert cycles(import_graph(root, "pkg")) == [["pkg.entry", "pkg.sub.writer"]]


def test_a_package_init_importing_back_from_its_own_module_is_a_cycle(tmp_path):
    root = write_package(
        tmp_path / "pkg",
        {"__init__.py": "__version__ = '1'\nfrom .build import build\n", "build.py": "from . import __version__\n"},
    )
    assert cycles(import_graph(root, "pkg")) == [["pkg", "pkg.build"]]


def test_a_package_importing_its_own_modules_is_no_cycle(tmp_path):
    root = write_package(
        tmp_path / "pkg",
        {"__init__.py": "from .a import f\nfrom . import b\n", "a.py": "from .b import g\n", "b.py": "import json\n"},
    )
    assert import_graph(root, "pkg") == {"pkg": {"pkg.a", "pkg.b"}, "pkg.a": {"pkg.b"}, "pkg.b": set()}
    assert cycles(import_graph(root, "pkg")) == []
