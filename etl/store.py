"""Write the tables as Parquet and as a self-contained DuckDB file, then publish the directory.

The DuckDB file holds copies of the tables, not views over the Parquet files: a view over a
relative Parquet path resolves against the client's working directory, and an absolute one breaks
when the directory is moved. With the tables inside, `warehouse.duckdb` opens from anywhere and the
directory can be copied or moved. The Parquet files are the same data for polars, pyarrow & co.
"""

from __future__ import annotations

import ctypes
import os
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .config import DATABASE_FILE, Settings
from .resources import sql_files


class PublishError(Exception):
    """The output directory exists and is not a warehouse: refuse to replace it."""


def write_tables(tables: dict[str, pa.Table], out: Path, settings: Settings) -> None:
    out.mkdir(parents=True)
    for name, table in tables.items():
        pq.write_table(
            table, out / f"{name}.parquet", compression=settings.parquet_compression,
            compression_level=settings.parquet_compression_level, row_group_size=settings.row_group_rows,
        )
    con = duckdb.connect(str(out / DATABASE_FILE))
    try:
        for name, table in tables.items():
            con.register("incoming", table)
            con.execute(f'create table "{name}" as select * from incoming')
            con.unregister("incoming")
        create_views(con)
        con.execute("checkpoint")
    finally:
        con.close()


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    for path in sql_files():
        try:
            con.execute(path.read_text())
        except duckdb.Error as exc:
            raise RuntimeError(f"{path.name}: {exc}") from exc


def staging_dir(out: Path) -> Path:
    """A fresh directory beside `out` (same file system, so the final rename is atomic).

    Staging directories left by builds that were killed are removed here: their process is gone.
    """
    for stale in out.parent.glob(f".{out.name}.staging-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    staging = out.parent / f".{out.name}.staging-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    return staging


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def publish(staging: Path, out: Path) -> None:
    """Replace `out` by `staging`. Only an empty directory or an earlier warehouse is replaced.

    Readers see the old warehouse or the new one, never neither: the two directories are swapped
    in one atomic step where the file system allows it.
    """
    if not out.exists():
        staging.rename(out)
        return
    if not out.is_dir() or (any(out.iterdir()) and not (out / DATABASE_FILE).is_file()):
        raise PublishError(f"{out} exists and is not a warehouse; choose another --out")
    if _exchange(staging, out):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old warehouse
        return
    retired = out.parent / f".{out.name}.retired-{os.getpid()}"
    out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
