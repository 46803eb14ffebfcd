"""Write the tables as Parquet (`tables/<table>/part-0.parquet`) and as a self-contained DuckDB file.

The DuckDB file holds copies of the tables, not views over the Parquet files: a view over a
relative Parquet path resolves against the client's working directory, and an absolute one breaks
when the directory is moved. With the tables inside, `warehouse.duckdb` opens from anywhere and the
directory can be copied or moved. The Parquet files are the same data for polars, pyarrow & co.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .arrow_values import empty_table
from .checks.runner import quote
from .config import Settings, codec_takes_level
from .layout import DATABASE_FILE, PART_FILE, duckdb_path, native_path, table_dir
from .manifest import write_manifest
from .version import oldest_duckdb
from .views import create_views

# DuckDB writes its newest storage format unless told otherwise, and older DuckDBs refuse to open
# it: written for the oldest DuckDB the package declares, the file opens in every supported one.
STORAGE_COMPATIBILITY = f"v{oldest_duckdb()}"
PARQUET_THREADS = 2  # objects and polygons, the tables whose row groups take long to write
# Vertices follow each other along a ring, so each differs little from the one before: delta-encoded,
# their Parquet columns are a sixth smaller and written in 35 % less CPU than by zstd alone (polygons
# of the full replica: 20 MB against 24, 0.54 s against 0.83). pyarrow, polars, DuckDB and Spark
# read DELTA_BINARY_PACKED (tests/test_table_writer.py reads it back with polars and DuckDB).
DELTA_COLUMNS = frozenset({"vertices"})
# DuckDB inserts on one thread of its own. With a thread per core, it scanned an Arrow table chunk by
# chunk in parallel, so a table of many small batches became many small row groups (2.6x the CPU of
# one chunk), and the row groups were copied into one chunk first; it compressed them on threads
# contending with the parse workers, which use every core. On one thread the batches' chunks fill
# whole row groups in order: the inserts of the full replica took 1.23-1.42 s of CPU instead of
# 1.45-1.69 s with the copy, and a build's peak fell by 0.08 to 0.14 GB (bench/ab.py, README Speed).
DATABASE_THREADS = "1"
DUCKDB_VECTOR_ROWS = 2048  # a DuckDB row group is a whole number of vectors of this many rows
# Columns whose values are (nearly) all distinct, in every table that has them (object_id in objects,
# polygons and two pixel tables): DuckDB's own choice for them, dictionary + FSST, analyses and
# compresses them in about twice zstd's CPU, into a larger file. Inserting the full replica, one
# thread: geometry 0.46-0.50 s against 0.58-0.68 s (31 MB against 35), objects' object_id 0.034 s
# against 0.071 s (2.0 MB against 3.5). DuckDB 1.4, the oldest the package declares, reads them
# (tests/test_oldest_duckdb.py compares every table with its Parquet files there).
COLUMN_COMPRESSION = {"geometry": "zstd", "object_id": "zstd"}


class TableWriter:
    """Writes the warehouse's tables batch by batch, so a build never holds every table at once.

    Each table becomes one Parquet file and one DuckDB table; rows are buffered up to a row group,
    then written to both, in order. File-level metadata known only at the end, such as
    GeoParquet's bounding box, is given to `close`.

    The writing runs on threads (pyarrow and DuckDB write without Python's lock): a row group goes
    to its Parquet file on one of PARQUET_THREADS and to DuckDB on the database's own thread, while
    the caller buffers the next rows. The two big tables fill their last row groups together, at
    the end of a build, when the parsing workers are done: then both cores write. At most one row
    group per table is in flight to Parquet, and one in all to DuckDB; an error in writing one is
    raised by a later call. Measured on the release, alternating eight runs each: 8.47 s against
    8.71 s with Parquet written by the caller, 13 MB more at the peak.
    """

    def __init__(self, out: Path, settings: Settings):
        out.mkdir(parents=True, exist_ok=True)  # a build's staging folder is made new and empty (staging_dir)
        self.out, self.settings = out, settings
        self._parquet: dict[str, pq.ParquetWriter] = {}
        self._pending: dict[str, list[pa.Table]] = {}
        self._parquet_threads = ThreadPoolExecutor(PARQUET_THREADS, thread_name_prefix="parquet-writer")
        self._writing: dict[str, Future] = {}  # per table, its row group being written to Parquet
        # unlimited, DuckDB keeps the rows it was given in memory until the checkpoint, so a build's
        # memory grew with the dataset (1.2 GB at twice the release); limited, it writes as it goes.
        # One thread: see DATABASE_THREADS
        config = {"memory_limit": settings.duckdb_memory_limit, "threads": DATABASE_THREADS}
        self._database = DatabaseThread(out / DATABASE_FILE, config, settings.row_group_rows)
        self._declared: dict[str, pa.Schema] = {}  # the tables (and with them the views) made before their rows

    def declare(self, schemas: dict[str, pa.Schema]) -> None:
        """Create these tables and then the views in the database now, on its thread, while the caller
        goes on (a build: while its workers parse the first batch). Made at `close` instead, the
        views took 0.1 s of the end of a build, when nothing else runs. Every table the views read
        must be among them; rows of a declared table must come with its declared schema (else
        ValueError), so that the Parquet file and the database's table have the same columns."""
        self._database.run_soon(_create_tables_and_views, schemas)
        self._declared.update(schemas)

    def append(self, tables: dict[str, pa.Table]) -> None:
        for name, table in tables.items():
            if name not in self._parquet:
                self._open(name, table.schema)
            self._pending[name].append(table)
            if sum(t.num_rows for t in self._pending[name]) >= self.settings.row_group_rows:
                self._flush(name, whole_groups_only=True)

    def close(self, file_metadata: dict[str, dict[str, str]] | None = None) -> None:
        """Write what is buffered, the file metadata and the views; checkpoint the database."""
        try:
            for name in self._parquet:
                self._flush(name)
            for name, writer in self._parquet.items():
                self._written(name)
                if file_metadata and name in file_metadata:
                    writer.add_key_value_metadata(file_metadata[name])
                writer.close()
            if not self._declared:  # else made with the declared tables
                self._database.run(create_views)
            self._database.run(duckdb.DuckDBPyConnection.execute, "checkpoint")
        except BaseException:
            self.abort()
            raise
        self._parquet_threads.shutdown()
        self._database.close()

    def tables(self, columns: dict[str, tuple[str, ...]]) -> dict[str, pa.Table]:
        """Tables written so far, read back from the database with the columns named per table
        (for the pixel stage).

        What is still buffered is written first (one shorter row group), or it would be missing.
        """
        for name in columns:
            self._flush(name)
            self._written(name)  # a failed write fails the build now, not after the pixel stage
        return {name: self._database.run(_read, _select(name, names)) for name, names in columns.items()}

    def abort(self) -> None:
        """Stop after a failure: the threads ended, every file closed. An error in closing one is not
        raised: the failure's own error is the one the caller must see."""
        self._parquet_threads.shutdown(cancel_futures=True)  # what runs is waited for: then the files close
        for writer in self._parquet.values():
            with suppress(Exception):
                writer.close()
        self._database.close()

    def _open(self, name: str, schema: pa.Schema) -> None:
        declared = self._declared.get(name)
        if declared is not None and not schema.equals(declared):
            # the Parquet file would take the rows' schema and DuckDB's table the declared one: the
            # two copies would disagree
            raise ValueError(f"table {name}: its rows' schema differs from the one declared:\n{schema}\n{declared}")
        # Without the Arrow schema blob, readers take the schema metadata from the file's key-value
        # metadata, so metadata added at close (GeoParquet's bbox) is what every reader sees. The
        # declared types round-trip through Parquet's own (tested).
        folder = table_dir(self.out, name)
        folder.mkdir(parents=True)
        takes_level = codec_takes_level(self.settings.parquet_compression)  # snappy refuses any level
        self._parquet[name] = pq.ParquetWriter(
            native_path(folder / PART_FILE),
            schema.remove_metadata(),
            store_schema=False,
            compression=self.settings.parquet_compression,
            compression_level=self.settings.parquet_compression_level if takes_level else None,
            use_dictionary=[c for c in schema.names if c in self.settings.dictionary_columns],
            column_encoding={path: "DELTA_BINARY_PACKED" for path in _integer_leaves(schema, DELTA_COLUMNS)},
        )
        self._pending[name] = []
        if declared is None:
            self._database.run(create_table, name, schema)

    def _flush(self, name: str, whole_groups_only: bool = False) -> None:
        """Write the buffered rows of `name`, or only as many whole row groups as they fill (the rest
        stays buffered)."""
        pending = self._pending[name]
        if not pending:
            return
        # the batches' chunks as they came, not copied into one: on its one thread DuckDB appends them
        # in order into whole row groups, and pyarrow writes the same row groups as from one chunk
        table = pa.concat_tables(pending).replace_schema_metadata(None)
        rows = self.settings.row_group_rows
        written = table.num_rows - table.num_rows % rows if whole_groups_only else table.num_rows
        pending[:] = [table.slice(written)] if written < table.num_rows else []
        table = table.slice(0, written)
        # DuckDB pays a lot per insert (a list column in 50 small inserts took 6x one large one),
        # so it gets the same row-group-sized chunks as Parquet, inserted while Parquet writes them
        self._database.run_soon(_execute_on, table, f'insert into "{name}" select * from incoming')
        self._written(name)
        self._writing[name] = self._parquet_threads.submit(self._parquet[name].write_table, table, rows)

    def _written(self, name: str) -> None:
        """Wait for the row group of `name` being written to Parquet, if any; raise its error."""
        writing = self._writing.pop(name, None)
        if writing is not None:
            writing.result()


class DatabaseThread:
    """The DuckDB file, written from a thread of its own while the Parquet files are written.

    Inserting a row group into DuckDB costs about as much as writing it to Parquet, and both run
    in native code without Python's lock, so side by side they take the time of one. Above all at
    the end of a build, when the workers are done and only these two are left. One thread owns the
    connection, so its calls never overlap; an error in a call made `run_soon` is raised by the
    next call.
    """

    def __init__(self, path: Path, config: dict[str, str], row_group_rows: int):
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="duckdb-writer")
        self._con = self._thread.submit(open_database, path, config, row_group_rows).result()
        self._queued: Future | None = None
        self._closed = False

    def run(self, call: Callable[..., object], *args: object) -> object:
        """`call(connection, *args)` once every earlier call is done; its result."""
        self._wait_queued()
        return self._thread.submit(call, self._con, *args).result()

    def run_soon(self, call: Callable[..., object], *args: object) -> None:
        """`call(connection, *args)`, started now if the thread is free; returns at once, unless an
        earlier call made this way is still running: one table in flight, so memory holds at most
        one row group more than writing in line did."""
        self._wait_queued()
        self._queued = self._thread.submit(call, self._con, *args)

    def close(self) -> None:
        """Close the connection once the last call is done. That call's error is not raised here:
        a writer that succeeds has made a `run` since, which raised it, and one that is failing
        raises its own error, which this must not replace. Closing again does nothing (an abort
        after a failed close)."""
        if self._closed:
            return
        self._closed = True
        try:
            self._wait_queued()
        except Exception:  # noqa: BLE001,S110 (see above)
            pass
        finally:
            self._thread.submit(self._con.close).result()
            self._thread.shutdown()

    def _wait_queued(self) -> None:
        queued, self._queued = self._queued, None
        if queued is not None:
            queued.result()


def open_database(path: Path, config: dict[str, str], row_group_rows: int) -> duckdb.DuckDBPyConnection:
    """A connection to the new DuckDB file `path`, in STORAGE_COMPATIBILITY's format, whose row groups
    hold `row_group_rows` (made a whole number of DuckDB's vectors), with `config` for the connection.

    Only ATTACH names a file's row group size, so the connection starts in memory and then uses the
    file, named after its stem (`warehouse`, as `duckdb.connect` names warehouse.duckdb; a stem DuckDB
    reserves, such as `main`, would be refused). Its spill folder is the one DuckDB gives a file
    (`<file>.tmp`, beside it), not the working directory's `.tmp` of a database in memory.
    """
    con = duckdb.connect(config={"temp_directory": f"{duckdb_path(path)}.tmp", **config})
    try:
        for statement in database_opening(path, row_group_rows):
            con.execute(statement)
    except BaseException:
        con.close()
        raise
    return con


def database_opening(path: Path, row_group_rows: int) -> list[str]:
    """The statements of open_database: ATTACH, then USE. The path is a literal, not a parameter:
    DuckDB 1.4, the oldest the package declares, takes no parameter there (tests/test_oldest_duckdb.py
    runs them)."""
    rows = -(-row_group_rows // DUCKDB_VECTOR_ROWS) * DUCKDB_VECTOR_ROWS
    literal = "'" + duckdb_path(path).replace("'", "''") + "'"
    options = f"storage_version '{STORAGE_COMPATIBILITY}', row_group_size {rows}"
    return [f"attach {literal} as {quote(path.stem)} ({options})", f"use {quote(path.stem)}"]


def create_table(con: duckdb.DuckDBPyConnection, name: str, schema: pa.Schema) -> None:
    """The table of `schema`, with DuckDB's types for the Arrow ones (the types `create table as`
    gives) and the compression of COLUMN_COMPRESSION, which only a column definition can name."""
    con.register("incoming", empty_table(schema))
    try:
        columns = con.execute("select column_name, column_type from (describe incoming)").fetchall()
    finally:
        con.unregister("incoming")
    definitions = ", ".join(_column_definition(column, kind) for column, kind in columns)
    con.execute(f"create table {quote(name)} ({definitions})")


def _column_definition(column: str, kind: str) -> str:
    compression = COLUMN_COMPRESSION.get(column)
    return f"{quote(column)} {kind}" + (f" using compression {compression}" if compression else "")


def _create_tables_and_views(con: duckdb.DuckDBPyConnection, schemas: dict[str, pa.Schema]) -> None:
    for name, schema in schemas.items():
        create_table(con, name, schema)
    create_views(con)


def _read(con: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    return con.sql(sql).to_arrow_table()


def _execute_on(con: duckdb.DuckDBPyConnection, table: pa.Table, sql: str) -> None:
    """Run `sql`, in which `incoming` is the Arrow table."""
    con.register("incoming", table)
    try:
        con.execute(sql)
    finally:
        con.unregister("incoming")


def write_tables(tables: dict[str, pa.Table], out: Path, settings: Settings) -> None:
    """A whole warehouse at `out`, manifest included, from whole tables (each table's schema metadata
    goes to its Parquet file). The build writes batch by batch instead, and publishes."""
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
    write_manifest(out)


def _integer_leaves(schema: pa.Schema, columns: frozenset[str]) -> list[str]:
    """The Parquet paths of the integer leaves of `columns` (`vertices.list.element.x`, ...)."""
    paths = []

    def walk(path: str, kind: pa.DataType) -> None:
        if pa.types.is_integer(kind):
            paths.append(path)
        elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
            walk(f"{path}.list.element", kind.value_type)
        elif pa.types.is_struct(kind):
            for child in kind:
                walk(f"{path}.{child.name}", child.type)

    for field in schema:
        if field.name in columns:
            walk(field.name, field.type)
    return paths


def _select(table: str, columns: tuple[str, ...]) -> str:
    return f"select {', '.join(map(quote, columns))} from {quote(table)}"
