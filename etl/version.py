"""The tool's version and the oldest DuckDB it supports, in a module of its own (build and export
stamp the version, and the package `__init__` re-exports it, without either importing the package
that imports them). Both are read from the installed metadata: pyproject.toml is their one source."""

from __future__ import annotations

import re
from importlib.metadata import requires, version

__version__ = version("cityscapes-warehouse")


def oldest_duckdb() -> str:
    """The floor of the `duckdb>=X.Y` requirement, as X.Y.Z: the oldest DuckDB that must open a warehouse."""
    for requirement in requires("cityscapes-warehouse") or []:
        found = re.fullmatch(r"duckdb\s*>=\s*(\d+)\.(\d+)(?:\.(\d+))?", requirement.strip())
        if found:
            major, minor, patch = found.groups()
            return f"{major}.{minor}.{patch or 0}"
    raise RuntimeError("cityscapes-warehouse declares no duckdb>=X.Y requirement")
