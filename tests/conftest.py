"""Tiny hand-written gtFine datasets, written in tmp_path as folder or zip."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from cityscapes_warehouse.version import oldest_duckdb

FRAME = [[0, 0], [99, 0], [99, 49], [0, 49], [0, 0]]

# Three images of 100 x 50 px in two splits and three cities. Every object's fate is known:
# accepted with exact geometry, or rejected with a known reason.
TINY = {
    "gtFine/train/aachen/aachen_000000_000019_gtFine_polygons.json": [
        {"label": "road", "polygon": [[0, 0], [10, 0], [10, 10], [0, 10]]},  # area 100
        {"label": "cargroup", "polygon": [[20, 20], [30, 20], [20, 30]]},  # area 50
        {"label": "car", "polygon": [[1, 1], [2, 2]]},  # too few points
        {"label": "person", "polygon": [[5, 5], [9, 5], [9, 9]], "deleted": 1},  # deleted
        {"label": "out of roi", "polygon": FRAME + [[10, 10], [20, 10], [20, 20], [10, 20]]},  # frame + hole
    ],
    "gtFine/train/bochum/bochum_000001_000019_gtFine_polygons.json": [
        {"label": "car", "polygon": [[0, 0], [10, 10], [10, 0], [0, 10]]},  # bow-tie
        {"label": "person", "polygon": [[90, 40], [101, 40], [101, 49], [90, 49]]},  # x = 101 > 99
        {"label": "out of roi", "polygon": [[1, 1], [98, 1], [98, 48], [1, 48]]},  # no frame
    ],
    "gtFine/val/frankfurt/frankfurt_000000_000294_gtFine_polygons.json": [
        {"label": "sky", "polygon": [[0, 0], [50, 0], [50, 20], [0, 20]]},  # area 1000
        {"label": "car", "polygon": [[10, 30], [20, 30], [20, 40], [10, 40]]},  # area 100
        {"label": "spaceship", "polygon": [[1, 1], [5, 1], [5, 5]]},  # unknown label
    ],
}


def gtfine_text(objects: list[dict], width: int = 100, height: int = 50) -> str:
    """The formatting of the real files: Python 2's json.dump with indent 4."""
    doc = {"imgHeight": height, "imgWidth": width, "objects": objects}
    return json.dumps(doc, indent=4, separators=(", ", ": "))


def execute_on(database: Path, statements: list[str] | tuple[str, ...]) -> None:
    """Run `statements` on a warehouse.duckdb (a copy a test breaks or tampers with)."""
    import duckdb

    con = duckdb.connect(str(database))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


def write_folder(root: Path, files: dict[str, list[dict]] = TINY) -> Path:
    for rel, objects in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(gtfine_text(objects))
    return root


def write_zip(path: Path, files: dict[str, list[dict]] = TINY) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("README", "tiny test archive\n")
        for rel, objects in files.items():
            zf.writestr(rel, gtfine_text(objects))
    return path


@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "download")


@pytest.fixture
def tiny_zip(tmp_path: Path) -> Path:
    return write_zip(tmp_path / "gtFine_trainvaltest.zip")


@pytest.fixture
def tiny_warehouse(tmp_path: Path, tiny_folder: Path):
    from cityscapes_warehouse import Warehouse

    wh, _ = Warehouse.build(tiny_folder, tmp_path / "warehouse")
    return wh


SMALL_REPLICA_SCALE = 0.02


@pytest.fixture(scope="session")
def small_replica(tmp_path_factory) -> Path:
    """The replica at 2 % (seed 0), written once per session; tests copy it before changing it."""
    from cityscapes_warehouse.replica import write_replica

    out = tmp_path_factory.mktemp("small-replica")
    write_replica(out, seed=0, scale=SMALL_REPLICA_SCALE)
    return out


@pytest.fixture(scope="session")
def small_replica_with_label_pngs(tmp_path_factory) -> Path:
    """The small replica's polygon files with their label PNGs, one labelIds PNG tampered with (a
    car painted over other labels), so that `build --check-label-pngs` finds mismatches in it."""
    import cv2

    from cityscapes_warehouse.replica import write_replica

    out = tmp_path_factory.mktemp("small-replica-pngs")
    write_replica(out, seed=0, scale=SMALL_REPLICA_SCALE, label_pngs=True)
    png = sorted((out / "gtFine").rglob("*_gtFine_labelIds.png"))[3]
    image = cv2.imread(str(png), cv2.IMREAD_UNCHANGED)
    image[500:540, 900:1000] = 26
    cv2.imwrite(str(png), image)
    return out


@pytest.fixture(scope="session")
def small_warehouse(tmp_path_factory, small_replica) -> Path:
    """The small replica built once per session, for tests that only read it."""
    from cityscapes_warehouse import Warehouse

    out = tmp_path_factory.mktemp("small-warehouse") / "warehouse"
    Warehouse.build(small_replica, out)
    return out


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole test session: starting one costs 10-60 s."""
    pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    from cityscapes_warehouse.spark.session import spark_session

    session = spark_session("local[2]")
    session.conf.set("spark.sql.shuffle.partitions", "4")  # tiny data: fewer tasks, less overhead
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def oldest_duckdb_python() -> Path:
    """The Python of a virtual environment holding the oldest DuckDB the package declares, installed
    from the package registry (kept in the system's temporary folder between runs). If the registry
    cannot be reached the test fails, since a skipped oracle would prove nothing."""
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


# Run by another DuckDB: each table of warehouse.duckdb against its Parquet files, both ways (EXCEPT
# ALL keeps duplicates), every column read. Prints the rows of each table and, for those that differ,
# [rows only in the database, rows only in Parquet].
TABLES_AGAINST_PARQUET = """
import json, sys
from pathlib import Path
import duckdb
root = Path(sys.argv[1])
con = duckdb.connect(str(root / "warehouse.duckdb"), read_only=True)
con.execute("set enable_progress_bar = false")  # it prints to stdout on a query of over 2 s
tables = [row[0] for row in con.sql("select table_name from duckdb_tables() where not internal").fetchall()]
rows, differing = {}, {}
for table in tables:
    files = str(root / "tables" / table / "*.parquet")
    database, parquet = f'select * from "{table}"', f"select * from read_parquet('{files}')"
    only_database = con.sql(f"select count(*) from ({database} except all {parquet})").fetchall()[0][0]
    only_parquet = con.sql(f"select count(*) from ({parquet} except all {database})").fetchall()[0][0]
    rows[table] = con.sql(f"select count(*) from ({database})").fetchall()[0][0]
    if only_database or only_parquet:
        differing[table] = [only_database, only_parquet]
print(json.dumps({"rows": rows, "differing": differing}))
"""


def tables_differing_from_parquet(python: Path, warehouse: Path) -> dict[str, list[int]]:
    """The tables of `warehouse` whose rows in warehouse.duckdb differ from its Parquet files, as the
    DuckDB of `python` reads both. Every table of the schema must be there, the objects and polygons
    not empty (else the comparison would prove nothing of the columns stored with zstd)."""
    from cityscapes_warehouse.schemas import TABLES

    done = subprocess.run([str(python), "-c", TABLES_AGAINST_PARQUET, str(warehouse)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.splitlines()[-1])
    assert sorted(answer["rows"]) == sorted(TABLES)
    assert answer["rows"]["objects"] > 0 and answer["rows"]["polygons"] > 0
    return answer["differing"]
