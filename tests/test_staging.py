"""Staging maps 1:1 onto the tables, and the marts count objects one way.

Each staging view is created in a database holding only its own table, empty, with the table's
declared schema: a view reading anything else fails to bind, and its columns must be the table's,
every one, in order, with the same types. Joins are refused by name.
"""

from __future__ import annotations

import re

import duckdb
import pyarrow as pa
import pytest

from cityscapes_warehouse.resources import SQL_DIR
from cityscapes_warehouse.schemas import TABLES
from cityscapes_warehouse.views import create_views


def staging_drift(sql: str, table: str, schema: pa.Schema) -> list[str]:
    """How a staging view's SQL differs from a 1:1 map of `table`; empty when it is one."""
    body = "\n".join(line for line in sql.splitlines() if not line.lstrip().startswith("--"))
    problems = ["joins another relation"] if re.search(r"\bjoin\b", body, re.IGNORECASE) else []
    con = duckdb.connect()
    try:
        con.register("empty", schema.empty_table())
        con.execute(f'create table "{table}" as select * from empty')
        con.unregister("empty")
        con.execute(body)
        declared = con.execute(f'select column_name, column_type from (describe "{table}")').fetchall()
        view = re.search(r"create or replace view (\w+)", body).group(1)
        staged = con.execute(f'select column_name, column_type from (describe "{view}")').fetchall()
    except duckdb.Error as exc:
        return [*problems, f"does not bind on {table} alone: {str(exc).splitlines()[0]}"]
    finally:
        con.close()
    if staged != declared:
        dropped = [c for c, _ in declared if c not in dict(staged)]
        problems.append(f"columns differ from the table's: {staged} != {declared} (dropped: {dropped})")
    return problems


@pytest.mark.parametrize("table", TABLES)
def test_staging_view_selects_every_column_of_its_table_and_nothing_else(table):
    sql = (SQL_DIR / "staging" / f"stg_{table}.sql").read_text()
    assert staging_drift(sql, table, TABLES[table]) == []


def test_every_staging_view_stages_a_declared_table():
    assert {p.stem.removeprefix("stg_") for p in (SQL_DIR / "staging").glob("*.sql")} == set(TABLES)


SCHEMA = pa.schema([("image_id", pa.string()), ("width", pa.int32())])


def view(columns: str, tail: str = "") -> str:
    return f"create or replace view stg_images as\nselect {columns} from images{tail};\n"


def test_a_dropped_column_is_drift():
    assert "dropped: ['width']" in staging_drift(view("image_id"), "images", SCHEMA)[0]


def test_a_cast_column_is_drift():
    assert staging_drift(view("image_id, width::bigint as width"), "images", SCHEMA)


def test_a_join_is_drift():
    sql = view("images.*", " inner join images as other using (image_id)")
    assert staging_drift(sql, "images", SCHEMA) == ["joins another relation"]


def test_reading_another_table_is_drift():
    assert (
        "does not bind"
        in staging_drift(view("*", " where image_id in (select image_id from objects)"), "images", SCHEMA)[0]
    )


def test_a_faithful_view_is_no_drift():
    assert staging_drift(view("image_id, width"), "images", SCHEMA) == []


@pytest.fixture
def miscounted(tiny_warehouse):
    """The tiny warehouse's tables in memory, with images.n_objects off by 7 on every image."""
    con = duckdb.connect()
    con.execute("attach ? as wh (read_only)", [str(tiny_warehouse.database)])
    for table in TABLES:
        con.execute(f'create table "{table}" as select * from wh."{table}"')
    con.execute("detach wh")
    con.execute("update images set n_objects = n_objects + 7")
    create_views(con)
    yield con
    con.close()


def test_split_city_and_class_totals_count_object_rows(miscounted):
    objects = miscounted.execute("select count(*) from objects").fetchone()[0]
    totals = miscounted.execute(
        "select (select sum(objects) from split_stats), (select sum(objects) from city_stats), "
        "(select sum(objects) from class_stats), (select sum(objects) from class_city_stats)"
    ).fetchone()
    assert objects == 8 and totals == (objects,) * 4


def test_objects_per_split_agree_between_split_and_class_stats(miscounted):
    per_split = dict(miscounted.execute("select split, objects from split_stats").fetchall())
    from_classes = miscounted.execute(
        "select sum(train_objects), sum(val_objects), sum(test_objects) from class_stats"
    ).fetchone()
    assert per_split == {"train": 6, "val": 2} and from_classes == (6, 2, 0)


def test_objects_per_city_agree_between_city_and_class_city_stats(miscounted):
    per_city = miscounted.execute("select city, objects from city_stats order by city").fetchall()
    from_pairs = miscounted.execute(
        "select city, sum(objects) from class_city_stats group by city order by city"
    ).fetchall()
    assert per_city == [("aachen", 3), ("bochum", 3), ("frankfurt", 2)] and from_pairs == per_city
