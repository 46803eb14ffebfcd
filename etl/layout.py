"""Where a warehouse keeps its files. The layout is the contract with every reader:

    WH/warehouse.duckdb              the tables as DuckDB tables plus every view (opens from anywhere)
    WH/tables/<table>/*.parquet      one folder per table (this build writes part-0.parquet), so
                                     pyarrow.dataset, polars and Spark read a table from its folder
    WH/manifest.json                 what the tool wrote (see manifest.py); a folder is a warehouse
                                     only if it has one

Nothing else lives inside: reports and exports are written elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from .user_error import WarehouseError

DATABASE_FILE = "warehouse.duckdb"
MANIFEST_FILE = "manifest.json"
TABLES_DIR = "tables"
PART_FILE = "part-0.parquet"
# the names a warehouse owns: anything at these paths belongs to the tool
OWNED = (DATABASE_FILE, MANIFEST_FILE, TABLES_DIR)

# How every reader of a published warehouse opens its database (queries, validate, the report, the
# round trip). The tables live inside the database file, so reading needs no file access at all.
# `read_only` alone still lets COPY ... TO, EXPORT DATABASE, ATTACH, INSTALL and LOAD touch the file
# system, and so may the views stored in the file (a warehouse is copied and handed over: a view
# altered to call read_text or enable_logging would run with the reader's rights); these settings
# close that, and the lock stops a query from SETting them back. An empty temp_directory keeps a
# large sort in memory instead of spilling files beside the warehouse.
READ_ONLY_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "temp_directory": "",
    "lock_configuration": True,
}


def table_dir(warehouse: Path, table: str) -> Path:
    return warehouse / TABLES_DIR / table


def table_files(warehouse: Path, table: str) -> list[Path]:
    """The Parquet files of one table (one for a DuckDB build, Spark's part files for a Spark build)."""
    return sorted(table_dir(warehouse, table).glob("*.parquet"))


def duckdb_path_problem(path: str | os.PathLike) -> str | None:
    """Why DuckDB cannot keep a database at the resolved `path` (os.path.realpath), or None.

    DuckDB (2.0) names a database's journal by putting ".wal" before the first '?' of its path, not
    at its end (`/a?b/warehouse.duckdb` -> `/a.wal?b/warehouse.duckdb`): a build there ended in an
    internal error at the first commit, and a reader, whose file access is off, was refused. It
    reads a backslash as a folder separator, so on POSIX, where a name may hold one, `a\\b` named
    the folders `a/b`. A name that is not UTF-8 (os.fsdecode's surrogates) ended in its bad_cast.
    DuckDB looks through symbolic links, so the path checked is the resolved one: a link to a
    folder named `a?b` failed the same way, and a link to `a\\b` read the warehouse at `a/b`.
    """
    text = str(path)
    if "?" in text:
        return "DuckDB cannot use a database whose path holds a '?' (it puts the database's journal before it)"
    if os.sep == "/" and "\\" in text:
        return "DuckDB cannot use a database whose path holds a backslash (it reads one as a folder separator)"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "DuckDB cannot use a database whose path is not UTF-8"
    return None


def resolved_as(path: str | os.PathLike, resolved: str) -> str:
    """`path` as the user gave it, and what it resolves to where a link or `..` makes that differ."""
    return str(path) if os.path.abspath(path) == resolved else f"{path} (resolved: {resolved})"


def native_path(path: str | os.PathLike) -> str:
    """`path` as pyarrow and polars are given it: resolved, so absolute. Given a relative path that
    does not exist yet, pyarrow reads `s3:/x`, `http:/x/y`, `c:/x` and `file:/x` as URIs (a build at
    `--out s3://x` ended in an internal error) and a leading `~` as the home folder (a build at
    `--out '~/x'` wrote its Parquet files there, or failed where that folder was missing); polars
    reads `~` the same way. The system reads them as the folders they name, and so does the tool."""
    return os.path.realpath(path)


def duckdb_path(database: str | os.PathLike) -> str:
    """The database file as every connection gives it to DuckDB: resolved, so absolute. A relative
    path starting `md:`, `s3:`, `sqlite:`, `~` or `:memory:` is DuckDB's for another database
    (MotherDuck, S3, an SQLite file, the home folder, memory): a warehouse built at `--out md:x`
    could not be opened, and one at `--out ~q` was looked for at the home folder's path followed by
    `q`. DuckDB reads `link/../wh` as `wh`, where the system reads the folder beside the link's
    target. WarehouseError where DuckDB cannot use it."""
    resolved = native_path(database)
    problem = duckdb_path_problem(resolved)
    if problem:
        shown = resolved_as(database, resolved)
        raise WarehouseError(f"{shown}: {problem}; move the warehouse to a folder without one")
    return resolved
