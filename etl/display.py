"""What every command shows around its results: the SYNTHETIC banner, paths as a person types
them, the terminal's width. Results themselves are rendered by frames.py (polars), which only the
commands that print a table import: a build never needs it.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from pathlib import Path
from typing import TextIO

BANNER = (
    "SYNTHETIC DATA: this warehouse was built from cityscapes-warehouse's generated replica, "
    "not from the licensed Cityscapes release."
)
FORMATS = ("table", "csv", "json")


def shown_path(path: Path | str) -> str:
    """A path as a person would type it: under the home folder as ~/..., so logs carry no user name."""
    path = Path(path)
    try:
        return f"~/{path.resolve().relative_to(Path.home().resolve())}" if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def synthetic_banner(width: int | None = None) -> str:
    """The banner between two rules, wrapped to `width` so no line of it runs past the terminal."""
    columns = min(100, width or 100)
    return "\n".join(["=" * columns, textwrap.fill(BANNER, columns), "=" * columns])


def terminal_width(out: TextIO) -> int | None:
    """The width to fit: $COLUMNS, else the terminal's; None (no limit) when writing to a pipe or file."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return shutil.get_terminal_size().columns if out.isatty() else None
    except (AttributeError, ValueError, OSError):
        return None
