"""An in-memory DuckDB session over a built warehouse, with the pixel tables and the dn views.

The warehouse file is attached read-only and its tables are mirrored as views, so nothing is
copied and the warehouse is never changed. A warehouse built without the pixel stage (no
`build --pixels`) has empty pixel tables: they are computed here from its `images`, `objects` and
`polygons` instead.
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path

import duckdb

from ..layout import DATABASE_FILE, READ_ONLY_CONFIG, duckdb_path
from ..pixels import PIXEL_TABLES, pixel_tables
from ..resources import sql_files
from ..schemas import TABLES
from ..user_error import WarehouseError
from ..views import create_views


def dn_sql_files() -> list[Path]:
    """The Dataset Ninja parity views; each reads only staging, marts and the pixel tables."""
    return [path for path in sql_files() if path.parent.name == "dn"]


def report_connection(
    warehouse: str | PathLike, progress: Callable[[int, int], None] | None = None
) -> duckdb.DuckDBPyConnection:
    """A connection where every table, staging, marts and dn view of the warehouse directory can be queried."""
    database = Path(warehouse) / DATABASE_FILE
    if not database.is_file():
        raise FileNotFoundError(f"{warehouse}: no warehouse here (no {DATABASE_FILE})")
    con = duckdb.connect()
    con.execute("attach ? as wh (read_only)", [duckdb_path(database)])
    # attached, the session needs no file: what the warehouse's own views might ask for is refused.
    # File access goes off after temp_directory (which it freezes) and before the lock.
    for name in sorted(READ_ONLY_CONFIG, key=("enable_external_access", "lock_configuration").__contains__):
        con.execute(f"set {name} = ?", [READ_ONLY_CONFIG[name]])
    tables = [
        row[0]
        for row in con.execute(
            "select table_name from duckdb_tables() where database_name = 'wh' order by table_name"
        ).fetchall()
    ]
    lost = [name for name in TABLES if name not in tables]
    if lost:
        con.close()
        raise WarehouseError(f"{database}: altered or damaged (no table {', '.join(lost)}); build the warehouse again")
    built_with_pixels = bool(con.sql("select bool_and(pixels) from wh.build_info").fetchall()[0][0])
    for name in tables:
        if name in PIXEL_TABLES and not built_with_pixels:
            continue  # empty tables of a build without the pixel stage: computed below instead
        con.execute(f'create view "{name}" as select * from wh."{name}"')
    missing = [name for name in PIXEL_TABLES if name not in tables or not built_with_pixels]
    if missing:
        source = {
            name: con.sql(f'select * from "{name}"').to_arrow_table()
            for name in ("images", "objects", "polygons", "rejects")
        }
        for name, table in pixel_tables(source, progress=progress).items():
            if name in missing:
                con.register(f"_{name}", table)
                con.execute(f'create table "{name}" as select * from "_{name}"')
                con.unregister(f"_{name}")
    create_views(con)  # every layer, dn included, exactly as the build creates them
    return con
