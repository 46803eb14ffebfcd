"""The warehouse opens in the oldest DuckDB the package declares, and every view answers there.

That DuckDB is installed from the package registry into a virtual environment of its own
(conftest.oldest_duckdb_python): it cannot share this environment's DuckDB.
"""

from __future__ import annotations

import json
import subprocess

from cityscapes_warehouse.resources import sql_files
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
