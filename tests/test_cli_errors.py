"""The error boundary: user and machine errors exit 2 with one line naming the path and the cause;
a bug exits 70 with a hint to report it; a closed pipe ends quietly. One test per case of issue 12."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.cli import main
from cityscapes_warehouse.errors import EXIT_BUG, EXIT_CODES, EXIT_PIPE_CLOSED, EXIT_USER_ERROR


@pytest.fixture
def built(tmp_path, tiny_folder) -> Path:
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh")]) == 0
    return tmp_path / "wh"


def _one_line_error(capsys, *words) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error" in line]
    assert "Traceback" not in err and len(lines) == 1, err
    assert all(word in lines[0] for word in words), err
    return lines[0]


def _failing(code: int, path: Path):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(path))

    return fail


def test_a_read_only_disk_exits_2_naming_the_folder(tmp_path, tiny_folder, monkeypatch, capsys):
    out = tmp_path / "ro" / "wh"
    monkeypatch.setattr(Path, "mkdir", _failing(errno.EROFS, out))
    assert main(["build", str(tiny_folder), "--out", str(out)]) == EXIT_USER_ERROR
    _one_line_error(capsys, str(out), "read-only")


def test_an_out_where_no_folder_can_be_made_is_named_as_given(tmp_path, tiny_folder, monkeypatch, capsys):
    """The system names the staging folder it could not make; the user gave --out, so that is named."""
    out = tmp_path / "forbidden" / "wh"

    def refuse(self, *args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert main(["build", str(tiny_folder), "--out", str(out)]) == EXIT_USER_ERROR
    line = _one_line_error(capsys, f"{out}: permission denied")
    assert ".staging" not in line


def test_a_full_disk_while_writing_a_report_exits_2_and_leaves_no_half_file(built, tmp_path, monkeypatch, capsys):
    page = tmp_path / "report.html"
    monkeypatch.setattr(os, "replace", _failing(errno.ENOSPC, page))
    assert main(["report", "--out", str(page), "--warehouse", str(built)]) == EXIT_USER_ERROR
    _one_line_error(capsys, str(page), "no space left")
    assert not page.exists() and [p.name for p in tmp_path.iterdir() if p.name.startswith(".report")] == []


def test_out_on_a_mount_point_exits_2_saying_so(tmp_path, tiny_folder, monkeypatch, capsys):
    """Publishing renames the staged warehouse onto --out, which a mount point refuses (EBUSY)."""
    out = tmp_path / "mnt"
    out.mkdir()
    monkeypatch.setattr("cityscapes_warehouse.build.publish", _failing(errno.EBUSY, out))
    assert main(["build", str(tiny_folder), "--out", str(out)]) == EXIT_USER_ERROR
    _one_line_error(capsys, str(out), "mount point")


def test_out_dot_in_an_empty_folder_builds_there(tmp_path, tiny_folder, monkeypatch, capsys):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    code = main(["build", str(tiny_folder), "--out", "."])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 0 and Warehouse(here).info()["files_read"] == 3


def test_export_to_a_symlink_is_refused_and_the_link_target_untouched(built, tmp_path, capsys):
    target = tmp_path / "target"
    target.mkdir()
    (tmp_path / "link").symlink_to(target)
    assert main(["export", "--format", "coco", str(tmp_path / "link"), "--warehouse", str(built)]) == 2
    _one_line_error(capsys, "link", "symbolic link")
    assert list(target.iterdir()) == [] and (tmp_path / "link").is_symlink()


def test_export_to_a_path_under_a_file_exits_2(built, tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    assert main(["export", "--format", "coco", str(tmp_path / "afile" / "sub"), "--warehouse", str(built)]) == 2
    _one_line_error(capsys, "afile", "is a file, not a folder")
    assert (tmp_path / "afile").read_text() == "mine"


def test_a_closed_pipe_ends_quietly(built):
    """`stats | head -1`: the reader has gone before the writer is done; here it is gone from the start."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cityscapes_warehouse.cli", "stats", "--warehouse", str(built)],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
        )
    finally:
        os.close(write_end)
    assert done.returncode == EXIT_PIPE_CLOSED and done.stderr == ""


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_reader_leaving_mid_output_is_a_closed_pipe(built, fmt):
    """`query ... --format csv | head`: megabytes of rows, a reader that takes one line and leaves."""
    sql = "select range as n, repeat('x', 200) as pad from range(100000)"  # about 20 MB
    with subprocess.Popen(
        [sys.executable, "-m", "cityscapes_warehouse.cli", "query", sql, "--format", fmt, "--warehouse", str(built)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as command:
        assert command.stdout.readline()  # the header line (csv) or the opening bracket (json)
        command.stdout.close()
        stderr = command.stderr.read().decode()
    assert command.returncode == EXIT_PIPE_CLOSED
    assert "Traceback" not in stderr and "error" not in stderr


@pytest.mark.parametrize(
    ("sql", "shown"),
    [
        ("select interval '1 month 3 days' as i", "1 month 3 days"),
        ("select union_value(k := 7) as u", "7"),
        ("select 'infinity'::timestamp as t, '-infinity'::date as d", "infinity"),
        ("select '-infinity'::timestamp as t", "-infinity"),
    ],
)
def test_types_polars_cannot_print_are_shown_not_crashed_on(built, capsys, sql, shown):
    for fmt in ("table", "csv", "json"):
        assert main(["query", sql, "--warehouse", str(built), "--format", fmt]) == 0
        out = capsys.readouterr().out
        assert shown in out


def test_a_corrupt_warehouse_file_exits_2_naming_it(built, capsys):
    (built / "warehouse.duckdb").write_bytes(b"not a database" * 500)
    assert main(["stats", "--warehouse", str(built)]) == EXIT_USER_ERROR
    _one_line_error(capsys, "warehouse.duckdb", "cannot be opened")


def test_report_of_a_database_that_lost_a_table_exits_2_naming_it(built, tmp_path, capsys):
    import duckdb

    con = duckdb.connect(str(built / "warehouse.duckdb"))
    con.execute("drop table rejects cascade")
    con.close()
    assert main(["report", "--warehouse", str(built), "--out", str(tmp_path / "r.html")]) == EXIT_USER_ERROR
    _one_line_error(capsys, "rejects")


def test_export_of_a_damaged_parquet_file_exits_2_naming_it(built, tmp_path, capsys):
    parquet = built / "tables" / "objects" / "part-0.parquet"
    parquet.write_bytes(parquet.read_bytes()[:100])
    assert main(["export", str(tmp_path / "out"), "--format", "gtfine", "--warehouse", str(built)]) == EXIT_USER_ERROR
    _one_line_error(capsys, "objects")


def test_export_of_a_warehouse_that_lost_a_parquet_file_exits_2_naming_it(built, tmp_path, capsys):
    (built / "tables" / "rejects" / "part-0.parquet").unlink()
    assert main(["export", str(tmp_path / "out"), "--format", "gtfine", "--warehouse", str(built)]) == EXIT_USER_ERROR
    _one_line_error(capsys, "rejects")


def test_a_bug_exits_70_with_a_hint_to_report_it(built, monkeypatch, capsys):
    def broken(self, by="class"):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(Warehouse, "stats", broken)
    assert main(["stats", "--warehouse", str(built)]) == EXIT_BUG
    err = capsys.readouterr().err
    assert "internal error: ZeroDivisionError" in err and "please report it" in err


def test_help_lists_every_exit_code(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(f"  {code:<4} {meaning[:20]}" in out for code, meaning in EXIT_CODES.items())
    assert max(len(line) for line in out.splitlines()) <= 80


def _duckdb_stopped_by_ctrl_c() -> BaseException:
    """What DuckDB raises when Ctrl-C (SIGINT) comes while it runs a query. Tried again if the signal
    came before the query ran or after it ended (a few seconds long, the query may end first)."""
    import signal
    import threading

    import duckdb

    con = duckdb.connect()
    for _ in range(5):
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
        try:
            timer.start()
            con.execute("select count(*) from range(3000000000) a")
            timer.join()
        except KeyboardInterrupt:
            timer.join()
        except Exception as exc:  # noqa: BLE001 (whatever DuckDB raises is what is being learnt)
            timer.join()
            return exc
    pytest.fail("DuckDB never saw Ctrl-C during its query")


def test_ctrl_c_during_a_duckdb_query_is_an_interruption_not_a_bug(capsys):
    """DuckDB turns Ctrl-C in a query it runs (the audit's, a query's) into a plain RuntimeError:
    the exit must still be 130."""
    from cityscapes_warehouse.errors import EXIT_INTERRUPTED, run_guarded

    stopped = _duckdb_stopped_by_ctrl_c()

    def query() -> int:
        raise stopped

    assert run_guarded("query", query) == EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "interrupted" in err and "Traceback" not in err and "bug" not in err


def test_another_runtime_error_is_still_a_bug(capsys):
    from cityscapes_warehouse.errors import run_guarded

    def broken() -> int:
        raise RuntimeError("something else")

    assert run_guarded("query", broken) == EXIT_BUG
    assert "internal error: RuntimeError: something else" in capsys.readouterr().err


def test_ctrl_c_stops_a_long_query_at_once(built):
    """A query of minutes, and Ctrl-C a few seconds in: the command ends with 130 in moments, not at
    the query's end (DuckDB looks for Ctrl-C only now and then, and polars' SIGINT handler keeps a
    plain wait from seeing it)."""
    import signal

    long_query = "select count(*) from range(300000) a, range(300000) b where a.range > b.range"
    started = subprocess.Popen(
        [sys.executable, "-m", "cityscapes_warehouse", "query", "-q", long_query, "--warehouse", str(built)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # a shell's background job ignores it
    )
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            started.communicate(timeout=4)  # the query is running: nothing has ended it yet
        started.send_signal(signal.SIGINT)
        _, err = started.communicate(timeout=30)  # the join alone runs for minutes
    finally:
        started.kill()
    assert started.returncode == 130, err
    # a query publishes nothing: it does not speak of the published warehouse
    assert err.strip().endswith("query: interrupted") and "Traceback" not in err


def test_every_error_of_the_input_is_a_warehouse_error(tmp_path, tiny_folder):
    """A caller of the Python API catches one exception, whichever step refused its request."""
    from cityscapes_warehouse import WarehouseError
    from cityscapes_warehouse.audit import AuditError
    from cityscapes_warehouse.build import NothingReadError, StrictError
    from cityscapes_warehouse.errors import USER_ERRORS
    from cityscapes_warehouse.export import ExportError
    from cityscapes_warehouse.outputs import OutputError
    from cityscapes_warehouse.publish import PublishError
    from cityscapes_warehouse.resources import ResourceError
    from cityscapes_warehouse.sources import SourceError

    # the command line catches USER_ERRORS: every step's own error class must be one of them
    steps = (
        SourceError,
        PublishError,
        ResourceError,
        AuditError,
        StrictError,
        NothingReadError,
        ExportError,
        OutputError,
    )
    assert all(issubclass(error, USER_ERRORS) for error in steps)
    assert all(issubclass(error, WarehouseError) for error in USER_ERRORS)
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.txt").write_text("mine")
    refusals = [
        lambda: Warehouse.build(tmp_path / "nowhere", tmp_path / "wh"),  # SourceError
        lambda: Warehouse.build(tiny_folder, tmp_path / "theirs"),  # PublishError
        lambda: Warehouse.build(tiny_folder, tmp_path / "wh", expect_published=True),  # AuditError
    ]
    for refused in refusals:
        with pytest.raises(WarehouseError):
            refused()


class _Unwritable:
    """A stdout whose flush fails as a full disk or a reader gone away does."""

    def __init__(self, error: OSError, fd: int):
        self.error, self.fd = error, fd

    def flush(self):
        raise self.error

    def fileno(self):
        return self.fd


@pytest.mark.parametrize(
    ("error", "code", "expected", "said"),
    [
        (OSError(errno.ENOSPC, "No space left on device"), 0, EXIT_USER_ERROR, True),  # the command had succeeded
        (OSError(errno.ENOSPC, "No space left on device"), EXIT_USER_ERROR, EXIT_USER_ERROR, False),  # said already
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), 0, EXIT_PIPE_CLOSED, False),
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), EXIT_USER_ERROR, EXIT_USER_ERROR, False),
    ],
)
def test_output_that_cannot_be_flushed_at_the_end_gives_the_right_code(
    monkeypatch, capsys, tmp_path, error, code, expected, said
):
    from cityscapes_warehouse.errors import output_written

    with open(tmp_path / "stdout", "w") as target:
        monkeypatch.setattr(sys, "stdout", _Unwritable(error, target.fileno()))
        assert output_written("cityscapes-warehouse", code) == expected
    assert ("standard output could not be written: no space left" in capsys.readouterr().err) == said
