"""The warehouse opens in the oldest DuckDB the package declares, and every view answers there.

That DuckDB is installed from the package registry into a virtual environment of its own
(conftest.oldest_duckdb_python): it cannot share this environment's DuckDB.
"""

from __future__ import annotations

import json
import subprocess

from cityscapes_warehouse.resources import sql_files
from cityscapes_warehouse.table_writer import database_opening
from cityscapes_warehouse.version import oldest_duckdb
from conftest import tables_differing_from_parquet

EVERY_VIEW = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
views = [row[0] for row in con.sql("select view_name from duckdb_views() where not internal").fetchall()]
rows = {view: con.sql(f"select count(*) from (select * from {view})").fetchone()[0] for view in views}
print(json.dumps({"duckdb": duckdb.__version__, "rows": rows}))
"""


def test_every_view_answers_in_the_oldest_declared_duckdb(tiny_warehouse, oldest_duckdb_python):
    done = subprocess.run(
        [str(oldest_duckdb_python), "-c", EVERY_VIEW, str(tiny_warehouse.database)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert answer["duckdb"] == oldest_duckdb()
    assert sorted(answer["rows"]) == sorted(path.stem for path in sql_files())
    assert answer["rows"]["split_stats"] == 2 and answer["rows"]["class_stats"] > 0


def test_every_table_reads_back_in_the_oldest_declared_duckdb_as_its_parquet_file(tiny_warehouse, oldest_duckdb_python):
    # every column of every table, those stored with a compression of our choosing (zstd) included
    assert tables_differing_from_parquet(oldest_duckdb_python, tiny_warehouse.path) == {}


WRITE_THROUGH_ATTACH = """
import json, sys
import duckdb
con = duckdb.connect()
for statement in sys.argv[1:]:
    con.execute(statement)
con.execute("create table t as select range as a from range(5000)")
con.execute("checkpoint")
groups = con.sql(
    "select sum(count) from pragma_storage_info('t') where segment_type != 'VALIDITY' "
    "group by row_group_id order by row_group_id"
).fetchall()
print(json.dumps({"database": con.sql("select current_database()").fetchone()[0], "rows": [n for n, in groups]}))
"""


def test_the_oldest_declared_duckdb_writes_a_warehouse_as_a_build_opens_it(tmp_path, oldest_duckdb_python):
    # a build may run on any DuckDB the package declares: the statements that open its database (a
    # path with a quote in it) and name its row groups run in the oldest, row groups of 2,048 rows asked
    path = tmp_path / "it's a warehouse.duckdb"
    statements = database_opening(path, 2000)
    done = subprocess.run(
        [str(oldest_duckdb_python), "-c", WRITE_THROUGH_ATTACH, *statements], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {"database": "it's a warehouse", "rows": [2048, 2048, 904]}
    assert path.is_file()
