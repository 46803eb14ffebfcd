"""TableWriter writes on threads: errors reach the caller, and a failure leaves no thread or open file."""

from __future__ import annotations

import threading

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cityscapes_warehouse import schemas
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.table_writer import DUCKDB_VECTOR_ROWS, DatabaseThread, TableWriter

WRITER_THREADS = ("parquet-writer", "duckdb-writer")


def rows(n: int, start: int = 0) -> pa.Table:
    return pa.table({"a": pa.array(range(start, start + n), pa.int64())})


def writer_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(WRITER_THREADS)]


@pytest.fixture
def open_writers(monkeypatch) -> list[pq.ParquetWriter]:
    """Every ParquetWriter the test opens, to check afterwards that none is left open."""
    opened = []
    init = pq.ParquetWriter.__init__

    def recording_init(self, *args, **kwargs):
        init(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(pq.ParquetWriter, "__init__", recording_init)
    return opened


def test_a_failure_while_closing_closes_every_file_and_ends_every_thread(tmp_path, monkeypatch, open_writers):
    writer = TableWriter(tmp_path / "wh", Settings(row_group_rows=4))
    writer.append({"first": rows(10), "second": rows(10), "third": rows(3)})
    add_metadata = pq.ParquetWriter.add_key_value_metadata

    def failing_on_second(self, metadata):
        if metadata.get("table") == "second":
            raise OSError("no space left for the footer")
        add_metadata(self, metadata)

    monkeypatch.setattr(pq.ParquetWriter, "add_key_value_metadata", failing_on_second)
    with pytest.raises(OSError, match="no space left"):
        writer.close({name: {"table": name} for name in ("first", "second", "third")})
    assert len(open_writers) == 3 and not any(w.is_open for w in open_writers)
    assert writer_threads() == []


def test_abort_survives_a_file_that_fails_to_close(tmp_path, monkeypatch, open_writers):
    writer = TableWriter(tmp_path / "wh", Settings(row_group_rows=4))
    writer.append({"first": rows(10), "second": rows(10)})
    close = pq.ParquetWriter.close

    def failing_close(self):
        close(self)
        raise OSError("footer not written")

    monkeypatch.setattr(pq.ParquetWriter, "close", failing_close)
    writer.abort()  # raises nothing: the caller is already failing with its own error
    assert not any(w.is_open for w in open_writers)
    assert writer_threads() == []


def test_reading_back_raises_a_failed_parquet_write_at_once(tmp_path, monkeypatch):
    writer = TableWriter(tmp_path / "wh", Settings(row_group_rows=1000))
    writer.append({"first": rows(10)})

    def failing_write(self, table, row_group_size=None):
        raise OSError("parquet disk full")

    monkeypatch.setattr(pq.ParquetWriter, "write_table", failing_write)
    with pytest.raises(OSError, match="parquet disk full"):
        writer.tables({"first": ("a",)})
    writer.abort()
    assert writer_threads() == []


def test_rows_come_back_in_order_from_both_copies(tmp_path):
    writer = TableWriter(tmp_path / "wh", Settings(row_group_rows=7))
    for start in range(0, 100, 9):
        writer.append({"t": rows(9, start)})
    assert writer.tables({"t": ("a",)})["t"]["a"].to_pylist() == list(range(0, 108))
    writer.abort()  # closes the Parquet file whole (close would also create the warehouse's views)
    assert pq.read_table(tmp_path / "wh" / "tables" / "t").column("a").to_pylist() == list(range(0, 108))
    assert writer_threads() == []


def test_the_database_file_keeps_the_row_groups_the_writer_inserts(tmp_path):
    """DuckDB's own row group size is the writer's (row_group_rows, made a whole number of DuckDB's
    2,048-row vectors), so each insert is whole row groups, written as it comes, and only the last
    is short. DuckDB's storage info reports them; at DuckDB's default (122,880) all 10,000 rows made one."""
    import duckdb

    writer = TableWriter(tmp_path / "wh", Settings(row_group_rows=4000))  # DuckDB's: 4,096
    for start in range(0, 10_000, 1000):
        writer.append({"t": rows(1000, start)})
    assert writer.tables({"t": ("a",)})["t"]["a"].to_pylist() == list(range(10_000))
    writer.abort()  # closes the database, which checkpoints
    con = duckdb.connect(str(tmp_path / "wh" / "warehouse.duckdb"), read_only=True)
    try:
        groups = con.execute(
            "select row_group_id, sum(count) from pragma_storage_info('t') where column_name = 'a' "
            "and segment_type != 'VALIDITY' group by all order by all"
        ).fetchall()
        assert con.execute("select current_database()").fetchone() == ("warehouse",)
    finally:
        con.close()
    assert [count for _, count in groups] == [4096, 4096, 1808]


def test_by_default_both_copies_have_the_same_row_groups():
    # DuckDB rounds its row group size up to whole vectors: a default between two would leave every
    # insert a part of a row group, and the copies would differ in their row groups
    assert Settings().row_group_rows % DUCKDB_VECTOR_ROWS == 0


def test_duckdb_spills_beside_its_file_not_into_the_working_directory(tmp_path):
    writer = TableWriter(tmp_path / "wh", Settings())
    try:
        spill = writer._database.run(lambda con: con.execute("select current_setting('temp_directory')").fetchone()[0])
    finally:
        writer.abort()
    assert spill == str(tmp_path / "wh" / "warehouse.duckdb.tmp")


def test_declared_tables_and_the_views_exist_before_any_row(tmp_path):
    writer = TableWriter(tmp_path / "wh", Settings())
    writer.declare(schemas.TABLES)
    tables = writer._database.run(lambda con: con.execute("select table_name from duckdb_tables()").fetchall())
    views = writer._database.run(
        lambda con: con.execute("select view_name from duckdb_views() where not internal").fetchall()
    )
    assert {name for (name,) in tables} == set(schemas.TABLES)
    assert {"class_stats", "check_foreign_keys"} <= {name for (name,) in views}
    writer.abort()
    assert writer_threads() == []


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.select(list(reversed(t.column_names))),  # another column order
        lambda t: t.drop(["n_objects"]),  # a column missing
        lambda t: t.set_column(3, "sequence", t["sequence"].cast(pa.int64())),  # another type
    ],
)
def test_rows_of_a_declared_table_with_another_schema_are_refused(tmp_path, change):
    """The Parquet file would take the rows' schema and the database the declared one."""
    ring = pa.table(
        {
            "object_id": ["a#0"],
            "ring": pa.array([0], pa.int16()),
            "n_vertices": pa.array([3], pa.int32()),
            "vertices": pa.array([[{"x": 1, "y": 2}] * 3], schemas.POLYGONS.field("vertices").type),
        }
    )
    writer = TableWriter(tmp_path / "wh", Settings())
    writer.declare(schemas.TABLES)
    writer.append({"polygons": ring})  # as declared: taken
    assert writer.tables({"polygons": ("object_id", "ring")})["polygons"].to_pylist() == [
        {"object_id": "a#0", "ring": 0}
    ]
    images = pa.Table.from_pylist([], schemas.IMAGES)
    with pytest.raises(ValueError, match="table images: its rows' schema differs from the one declared"):
        writer.append({"images": change(images)})
    writer.abort()
    assert writer_threads() == []


def test_the_database_thread_closes_once_however_often_it_is_closed(tmp_path):
    database = DatabaseThread(tmp_path / "db.duckdb", {}, Settings().row_group_rows)
    database.run_soon(lambda con: con.execute("create table t as select 1 as a"))
    database.close()
    database.close()  # an abort after a failed close closes again: nothing left to do, nothing raised
    assert writer_threads() == []


def test_vertices_are_delta_encoded_and_read_back_whole_by_other_readers(tmp_path):
    """The vertex columns are DELTA_BINARY_PACKED (table_writer.DELTA_COLUMNS); polars and DuckDB,
    whose Parquet readers are their own, read the same vertices back, extremes of int32 included
    (deltas that wrap around 32 bits)."""
    import duckdb
    import polars as pl

    extremes = [(-(2**31), 2**31 - 1), (2**31 - 1, -(2**31)), (0, 0), (-(2**31), -(2**31)), (5, -7)]
    vertices = [[{"x": x, "y": y} for x, y in extremes]] + [[{"x": i, "y": -i} for i in range(n)] for n in (0, 1, 300)]
    table = pa.table(
        {
            "object_id": [f"o#{i}" for i in range(len(vertices))],
            "ring": pa.array([0] * len(vertices), pa.int16()),
            "n_vertices": pa.array([len(v) for v in vertices], pa.int32()),
            "vertices": vertices,
        }
    ).cast(schemas.POLYGONS)
    writer = TableWriter(tmp_path / "wh", Settings(row_group_rows=3))
    writer.append({"polygons": table})
    writer.tables({"polygons": ("ring",)})  # writes what is buffered
    writer.abort()
    path = tmp_path / "wh" / "tables" / "polygons" / "part-0.parquet"
    column = pq.ParquetFile(path).metadata.row_group(0).column(3)
    assert (column.path_in_schema, "DELTA_BINARY_PACKED" in column.encodings) == ("vertices.list.element.x", True)
    expected = table["vertices"].to_pylist()
    assert pq.read_table(path)["vertices"].to_pylist() == expected
    assert pl.read_parquet(path)["vertices"].to_list() == expected
    with duckdb.connect() as con:
        read = con.execute("select vertices from read_parquet(?)", [str(path)]).fetchall()
    assert [row[0] for row in read] == expected


def test_each_table_has_the_types_create_table_as_gives_and_its_unique_columns_use_zstd(small_warehouse):
    """create_table writes each column's definition (to name its compression): DuckDB's own
    `create table as` from the same Arrow schema gives the same types; the columns of
    COLUMN_COMPRESSION are stored with it in a built warehouse."""
    import duckdb

    from cityscapes_warehouse.arrow_values import empty_table
    from cityscapes_warehouse.table_writer import COLUMN_COMPRESSION

    with duckdb.connect(str(small_warehouse / "warehouse.duckdb"), read_only=True) as built, duckdb.connect() as con:
        for name, schema in schemas.TABLES.items():
            incoming = empty_table(schema)  # noqa: F841 (read by name by DuckDB's replacement scan)
            con.execute(f'create table "{name}" as select * from incoming')
            kinds = (
                f"select column_name, data_type from duckdb_columns() where table_name = '{name}' order by column_index"
            )
            assert built.sql(kinds).fetchall() == con.sql(kinds).fetchall(), name
        stored = built.sql(
            "select distinct column_name, lower(compression) from pragma_storage_info('objects') "
            "where segment_type <> 'VALIDITY'"
        ).fetchall()
    chosen = {(column, compression) for column, compression in stored if column in COLUMN_COMPRESSION}
    assert chosen == set(COLUMN_COMPRESSION.items()) == {("geometry", "zstd"), ("object_id", "zstd")}
