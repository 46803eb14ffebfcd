"""The warehouse opens in the oldest DuckDB the package declares, and every view answers there.

That DuckDB is installed from the package registry into a virtual environment of its own (kept
in the system's temporary folder between runs): it cannot share this environment's DuckDB. If the
registry cannot be reached the test fails, since a skipped oracle would prove nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from cityscapes_warehouse.resources import sql_files
from cityscapes_warehouse.version import oldest_duckdb

EVERY_VIEW = """
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
views = [row[0] for row in con.sql("select view_name from duckdb_views() where not internal").fetchall()]
rows = {view: con.sql(f"select count(*) from (select * from {view})").fetchone()[0] for view in views}
print(json.dumps({"duckdb": duckdb.__version__, "rows": rows}))
"""


@pytest.fixture(scope="session")
def oldest_duckdb_python() -> Path:
    version = oldest_duckdb()
    env = Path(tempfile.gettempdir()) / f"cityscapes-warehouse-duckdb-{version}"
    python = env / "bin" / "python"
    if not python.exists():
        # built aside and renamed into place, so concurrent test runs never see half an environment
        building = Path(tempfile.mkdtemp(prefix=f"{env.name}.", dir=env.parent))
        subprocess.run([sys.executable, "-m", "venv", str(building)], check=True)
        pip = [str(building / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        done = subprocess.run([*pip, f"duckdb=={version}"], capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(building, ignore_errors=True)
            pytest.fail(f"pip could not install duckdb=={version} from the package registry:\n{done.stderr[-2000:]}")
        try:
            os.rename(building, env)
        except OSError:  # another run got there first
            shutil.rmtree(building, ignore_errors=True)
    return python


def test_every_view_answers_in_the_oldest_declared_duckdb(tiny_warehouse, oldest_duckdb_python):
    done = subprocess.run(
        [str(oldest_duckdb_python), "-c", EVERY_VIEW, str(tiny_warehouse.database)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout)
    assert answer["duckdb"] == oldest_duckdb()
    assert sorted(answer["rows"]) == sorted(path.stem for path in sql_files())
    assert answer["rows"]["split_stats"] == 2 and answer["rows"]["class_stats"] > 0
