"""An attacker's corpus against `sql`: every attempt to write, read other files or load code exits 2.

Each attempt runs in an empty working directory with TMPDIR pointing at an empty folder; afterwards
the warehouse is byte-identical and neither folder holds a new file.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.cli import main
from cityscapes_warehouse.warehouse import QueryRefused, WarehouseError
from conftest import execute_on, write_folder

# {WH} is the warehouse folder, {PARQUET} one of its table files, {TMP} the temporary folder.
WRITE_ATTEMPTS = {
    "copy over a published table": "copy (select 1 as x) to '{PARQUET}' (format parquet)",
    "copy into the warehouse folder": "copy objects to '{WH}/stolen.csv'",
    "copy into the working folder": "copy (select 1) to 'out.csv'",
    "copy into tmp": "copy (select 1) to '{TMP}/out.csv'",
    "copy from a file": "copy objects from '{TMP}/in.csv'",
    "export database": "export database '{TMP}/dump'",
    "export database into the warehouse": "export database '{WH}'",
    "attach a new database file": "attach '{TMP}/new.duckdb' as n",
    "attach in memory": "attach ':memory:' as m",
    "detach the warehouse": "detach warehouse",
    "install an extension": "install httpfs",
    "load an extension": "load httpfs",
    "load an extension file": "load '{TMP}/evil.duckdb_extension'",
    "create a table": "create table t as select 1 as x",
    "create a temp table": "create temp table t as select 1 as x",
    "create a view": "create view v as select 1 as x",
    "create a macro": "create macro m(a) as a + 1",
    "create a persistent secret": "create persistent secret s (type s3, key_id 'k', secret 'x')",
    "insert": "insert into labels select * from labels",
    "update": "update objects set label = 'car'",
    "delete": "delete from objects",
    "drop a table": "drop table objects",
    "alter a table": "alter table objects add column x int",
    "merge": "merge into labels using labels as s on true when matched then delete",
    "set external access back on": "set enable_external_access = true",
    "set a temp directory": "set temp_directory = '{TMP}/spill'",
    "reset a setting": "reset enable_external_access",
    "pragma profiling to a file": "pragma enable_profiling = 'json'",
    "profiling output": "set profiling_output = '{TMP}/profile.json'",
    "checkpoint": "checkpoint",
    "vacuum": "vacuum",
    "begin a transaction": "begin transaction",
    "prepare": "prepare p as select 1",
    "use another catalog": "use memory",
    "multi-statement, harmless first": "select 1; copy (select 1) to '{TMP}/second.csv'",
    "multi-statement, two selects": "select 1; select 2",
    "explain analyze a copy": "explain analyze copy (select 1) to '{TMP}/explained.csv'",
    "a copy inside query()": "select * from query('copy (select 1) to ''{TMP}/inner.csv''')",
    "logging through a table function": "select * from enable_logging()",
    "logging through call": "call enable_logging()",
    "read another file": "select * from read_csv('/etc/passwd')",
    "read a blob": "select * from read_blob('{PARQUET}')",
    "list files": "select * from glob('{WH}/*')",
    "read parquet metadata": "select * from parquet_metadata('{PARQUET}')",
    "list secrets from the home folder": "select * from duckdb_secrets()",
}


def _snapshot(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "dir"
        for path in sorted(folder.rglob("*"))
    }


@pytest.fixture(scope="module")
def shared_warehouse(tmp_path_factory) -> Warehouse:
    """One warehouse for the whole corpus: every attempt must leave it as it was anyway."""
    root = tmp_path_factory.mktemp("readonly")
    wh, _ = Warehouse.build(write_folder(root / "download"), root / "warehouse")
    return wh


@pytest.fixture
def sandbox(tmp_path, shared_warehouse, monkeypatch):
    cwd, tmp = tmp_path / "cwd", tmp_path / "tmp"
    cwd.mkdir()
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(tmp))
    return shared_warehouse.path, cwd, tmp


@pytest.mark.parametrize("attempt", WRITE_ATTEMPTS, ids=list(WRITE_ATTEMPTS))
def test_write_attempt_exits_2_and_changes_no_file(attempt, sandbox, capsys):
    wh, cwd, tmp = sandbox
    before = _snapshot(wh)
    parquet = next(wh.rglob("*.parquet"))
    sql = WRITE_ATTEMPTS[attempt].format(WH=wh, PARQUET=parquet, TMP=tmp)
    assert main(["sql", sql, "--warehouse", str(wh)]) == 2
    err = capsys.readouterr().err
    assert "queries are read-only" in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert _snapshot(wh) == before
    assert list(cwd.iterdir()) == [] and list(tmp.iterdir()) == []


def test_stats_runs_on_the_same_locked_connection(shared_warehouse):
    con = shared_warehouse.connect()
    try:
        settings = dict(
            con.sql(
                "select name, value from duckdb_settings() where name in "
                "('enable_external_access', 'lock_configuration', 'access_mode', 'autoload_known_extensions')"
            ).fetchall()
        )
    finally:
        con.close()
    assert settings == {
        "enable_external_access": "false",
        "lock_configuration": "true",
        "access_mode": "read_only",
        "autoload_known_extensions": "false",
    }


def test_the_method_refuses_a_write_too(shared_warehouse):
    with pytest.raises(QueryRefused, match="read-only"):
        shared_warehouse.query("copy objects to 'x.csv'")


def test_a_plain_select_and_explain_still_run(shared_warehouse):
    assert shared_warehouse.query("select count(*) as n from objects").item() == 8
    assert shared_warehouse.query("explain select * from objects").height >= 1


def test_a_checkpoint_function_leaves_the_warehouse_as_it_was(sandbox):
    wh, cwd, tmp = sandbox
    before = _snapshot(wh)
    Warehouse(wh).query("select * from checkpoint()")
    assert _snapshot(wh) == before


@pytest.mark.parametrize(
    ("sql", "hint"),
    [
        ("select * from class_stat", 'Did you mean "class_stats"?'),
        ("select labl from objects", 'Candidate bindings: "label"'),
    ],
)
def test_a_typo_is_answered_with_duckdbs_suggestion(shared_warehouse, sql, hint):
    """DuckDB says what was meant on the line after its error: the line that fixes the typo is kept."""
    with pytest.raises(WarehouseError, match="not") as refused:
        shared_warehouse.query(sql)
    assert hint in str(refused.value) and "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("sql", "named"),
    [
        ("install httpfs", "not INSTALL"),  # DuckDB's own type for it is LOAD
        ("force install httpfs", "not INSTALL"),
        ("load httpfs", "not LOAD"),
        ("select 1; install httpfs", "holds 2 (SELECT, INSTALL)"),
    ],
)
def test_a_refusal_names_the_statement_as_written(shared_warehouse, sql, named):
    with pytest.raises(QueryRefused) as refused:
        shared_warehouse.query(sql)
    assert str(refused.value).endswith(named)


@pytest.mark.parametrize("sql", ["", "   ", " ; ", "-- only a comment"])
def test_an_empty_query_is_called_empty(shared_warehouse, sql):
    with pytest.raises(QueryRefused, match="holds no statement; give one SELECT"):
        shared_warehouse.query(sql)


# --- a warehouse whose database was altered: its views run on no connection with file access ------

SECRET = "a line of a file outside the warehouse"


def _tampered(shared_warehouse: Warehouse, tmp_path: Path, *statements: str) -> Path:
    """A copy of the warehouse whose database runs `statements` (as someone handing it over could)."""
    copy = tmp_path / "tampered"
    shutil.copytree(shared_warehouse.path, copy)
    execute_on(copy / "warehouse.duckdb", statements)
    return copy


def _rejects_reading(secret: Path) -> list[str]:
    return [
        "create table kept_rejects as select * from rejects",
        "drop table rejects cascade",
        f"create view rejects as select (select content from read_text('{secret}')) as source_path, "
        "image_id, draw_order, label, reason, detail, raw from kept_rejects",
    ]


def _logging_to(folder: Path) -> str:
    return f"enable_logging(storage = 'file', storage_path = '{folder}')"


def _staged_build_info_writing(folder: Path) -> list[str]:
    """The view validate reads `synthetic` from (the banner reads the table, on the locked connection)."""
    return [f"create or replace view stg_build_info as select b.* from build_info b, {_logging_to(folder)}"]


def _build_info_writing(folder: Path) -> list[str]:
    return [
        "create table kept_build_info as select * from build_info",
        "drop table build_info cascade",
        f"create view build_info as select b.* from kept_build_info b, {_logging_to(folder)}",
    ]


def test_validate_of_a_tampered_warehouse_prints_no_other_file(shared_warehouse, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    copy = _tampered(shared_warehouse, tmp_path, *_rejects_reading(secret))
    main(["validate", "--warehouse", str(copy), "--quiet"])
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err


def test_validate_of_a_tampered_warehouse_writes_no_file(shared_warehouse, tmp_path):
    written = tmp_path / "written"
    copy = _tampered(shared_warehouse, tmp_path, *_staged_build_info_writing(written))
    main(["validate", "--warehouse", str(copy), "--quiet"])
    assert not written.exists()


def test_validate_of_a_tampered_warehouse_exits_2_in_one_line(shared_warehouse, tmp_path, capsys):
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    copy = _tampered(shared_warehouse, tmp_path, *_rejects_reading(secret))
    assert main(["validate", "--warehouse", str(copy), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


def test_report_of_a_tampered_warehouse_writes_no_file(shared_warehouse, tmp_path):
    written = tmp_path / "written"
    copy = _tampered(shared_warehouse, tmp_path, *_build_info_writing(written))
    main(["report", "--warehouse", str(copy), "--out", str(tmp_path / "report.html"), "--quiet"])
    assert not written.exists()
