"""Files a command writes where the user says: never inside a warehouse, never over a file this tool
did not write (unless forced), and whole or not at all.

A page this tool writes ends with OWN_MARK, an HTML comment (invisible in HTML and in Markdown), so
writing the same report again needs no `--force` while someone else's file does.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from .layout import DATABASE_FILE, MANIFEST_FILE
from .user_error import WarehouseError

OWN_MARK = "\n<!-- written by cityscapes-warehouse: it may overwrite this file -->\n"
HTML_SUFFIXES = (".html", ".htm")
WAREHOUSE_MARKERS = (DATABASE_FILE, MANIFEST_FILE)


class OutputError(WarehouseError):
    """The file or folder a command was asked to write cannot be written there."""


def enclosing_warehouse(path: Path) -> Path | None:
    """The warehouse folder holding `path` (as given or with links resolved), if any."""
    path = Path(path)
    for candidate in {path.absolute(), path.resolve()}:
        for folder in candidate.parents:
            if any((folder / marker).is_file() for marker in WAREHOUSE_MARKERS):
                return folder
    return None


def check_output_folder(out: Path) -> None:
    """A folder an export creates: not inside a warehouse, not a link, not below a file."""
    out = Path(out)
    if out.is_symlink():
        raise OutputError(f"{out}: is a symbolic link; name a real folder (an export never writes through a link)")
    _check_parents(out)
    if any((out / marker).is_file() for marker in WAREHOUSE_MARKERS):
        raise OutputError(f"{out}: is a warehouse; write the export elsewhere")
    _refuse_inside_warehouse(out)


def write_file(path: Path, write: Callable[[Path], object], force: bool = False) -> Path:
    """Call `write(tmp)` to write a file beside `path`, mark it as ours and move it onto `path`.

    Refused: `path` inside a warehouse (even with `force`), a folder, or a file this tool did not
    write (unless `force`). The move is atomic, so a failed write (a full disk) leaves no half file.
    """
    path = Path(path)
    check_output_file(path, force)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        write(tmp)
        with tmp.open("a", encoding="utf-8") as file:
            file.write(OWN_MARK)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def check_html_name(path: Path) -> None:
    """An HTML page goes into a file named as one: `report --out notes.txt` wrote HTML into a .txt."""
    if Path(path).suffix.lower() not in HTML_SUFFIXES:
        raise OutputError(f"{path}: the report is one HTML page; name a file ending in .html")


def check_output_file(path: Path, force: bool = False) -> None:
    """Raise OutputError if `write_file` would refuse `path`; a command whose content takes long to make
    (validate's report) asks first, so a refusal does not come after the work."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path}: is a folder; name the file to write, e.g. {path / 'report.html'}")
    _check_parents(path)
    _refuse_inside_warehouse(path)
    if (path.exists() or path.is_symlink()) and not force and not _written_by_us(path):
        raise OutputError(
            f"{path}: exists and was not written by cityscapes-warehouse; "
            "choose another file, or pass --force to replace it"
        )


def _check_parents(path: Path) -> None:
    for parent in path.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"{path}: {parent} is a file, not a folder")
            return


def _refuse_inside_warehouse(path: Path) -> None:
    warehouse = enclosing_warehouse(path)
    if warehouse is not None:
        raise OutputError(
            f"{path}: is inside the warehouse {warehouse}, which holds only what build wrote; write it elsewhere"
        )


def _written_by_us(path: Path) -> bool:
    """Whether the file ends with OWN_MARK. Only a regular file is opened, and only its tail read: a
    FIFO would block the open, a device (a link to /dev/zero) never end the read."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            return False
        tail = 4 * len(OWN_MARK)
        with path.open("rb") as file:
            file.seek(max(0, info.st_size - tail))
            return OWN_MARK.strip().encode() in file.read(tail)
    except OSError:
        return False
