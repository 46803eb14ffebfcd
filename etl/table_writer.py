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


class TableWriter:
    """Writes the warehouse's tables batch by batch, so a build never holds every table at once.

    Each table becomes one Parquet file and one DuckDB table; rows are buffered up to a row group,
    then written to both, in order. File-level metadata known only at the end, such as
    GeoParquet's bounding box, is given to `close`.
    """

    def __init__(self, out: Path, settings: Settings):
        out.mkdir(parents=True)
        self.out, self.settings = out, settings
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._pending: dict[str, list[pa.Table]] = {}
        # unlimited, DuckDB keeps the rows it was given in memory until the checkpoint, so a build's
        # memory grew with the dataset (1.2 GB at twice the release); limited, it writes as it goes
        self._con = duckdb.connect(str(out / DATABASE_FILE), config={"memory_limit": settings.duckdb_memory_limit})

    def append(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            if name not in self._parquet:
                self._open(name, table.schema)
            self._pending[name].append(table)
            if sum(t.num_rows for t in self._pending[name]) >= self.settings.row_group_rows:
                self._flush(name)

    def close(self, file_metadata: dict[str, dict[str, str]] | None = None) -> None:
        """Write what is buffered, the file metadata and the views; checkpoint the database."""
        try:
            for name, writer in self._parquet.items():
                self._flush(name)
                if file_metadata and name in file_metadata:
                    writer.add_key_value_metadata(file_metadata[name])
                writer.close()
            create_views(self._con)
            self._con.execute("checkpoint")
        finally:
            self._con.close()

    def tables(self, names: tuple[str, ...]) -> dict[str, pa.Table]:
        """Tables written so far, whole, read back from the database (for the pixel stage).

        What is still buffered is written first (one shorter row group), or it would be missing.
        """
        for name in names:
            self._flush(name)
        return {name: self._con.sql(f'select * from "{name}"').to_arrow_table() for name in names}

    def abort(self) -> None:
        for writer in self._parquet.values():
            writer.close()
        self._con.close()

    def _open(self, name: str, schema: pa.Schema) -> None:
        # Without the Arrow schema blob, readers take the schema metadata from the file's key-value
        # metadata, so metadata added at close (GeoParquet's bbox) is what every reader sees. The
        # declared types round-trip through Parquet's own (tested).
        self._parquet[name] = pq.ParquetWriter(
            self.out / f"{name}.parquet",
            schema.remove_metadata(),
            store_schema=False,
            compression=self.settings.parquet_compression,
            compression_level=self.settings.parquet_compression_level,
            use_dictionary=[c for c in schema.names if c in self.settings.dictionary_columns],
        )
        self._pending[name] = []
        self._execute_on(schema.empty_table(), f'create table "{name}" as select * from incoming')

    def _flush(self, name: str) -> None:
        pending = self._pending[name]
        if pending:
            table = pa.concat_tables(pending).replace_schema_metadata(None)
            self._parquet[name].write_table(table, row_group_size=self.settings.row_group_rows)
            # DuckDB pays a lot per insert (a list column in 50 small inserts took 6x one large one),
            # so it gets the same row-group-sized chunks as Parquet
            self._execute_on(table, f'insert into "{name}" select * from incoming')
            pending.clear()

    def _execute_on(self, table: pa.Table, sql: str) -> None:
        """Run `sql`, in which `incoming` is the Arrow table."""
        self._con.register("incoming", table)
        try:
            self._con.execute(sql)
        finally:
            self._con.unregister("incoming")


def write_tables(tables: dict[str, pa.Table], out: Path, settings: Settings) -> None:
    """Write whole tables at once (each table's schema metadata goes to its Parquet file)."""
    writer = TableWriter(out, settings)
    try:
        writer.append(tables)
    except BaseException:
        writer.abort()
        raise
    metadata = {
        name: {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
        for name, table in tables.items()
        if table.schema.metadata
    }
    writer.close(metadata)


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
