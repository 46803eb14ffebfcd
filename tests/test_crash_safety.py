"""A build killed at any point, or read while it publishes, never leaves a half-written warehouse."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.batches import HANDOVER_PREFIX
from cityscapes_warehouse.config import DATABASE_FILE, Settings

ANSWER_SQL = "select count(*), sum(n_vertices)::bigint from objects"
BUILD = (
    "from cityscapes_warehouse.build import build; import sys, pathlib; build(sys.argv[1], pathlib.Path(sys.argv[2]))"
)


@pytest.fixture(scope="module")
def replica(small_replica):
    return small_replica


def _answers(wh_dir) -> tuple:
    return Warehouse(wh_dir).query(ANSWER_SQL).row(0)


# Where a build is when it is killed, told by what its staging folder (beside --out) holds.
STAGES = {
    "staging folder created": lambda staging: True,
    "first file written": lambda staging: any(p.is_file() for p in staging.rglob("*")),
    "database file written": lambda staging: any(p.name == DATABASE_FILE for p in staging.rglob("*")),
}


def _staging_of(out: Path) -> Path | None:
    return next((p for p in out.parent.glob(f".{out.name}.*") if p.is_dir()), None)


@pytest.mark.parametrize("stage", STAGES)
def test_build_killed_mid_way_leaves_the_previous_warehouse(tmp_path, tiny_folder, replica, stage):
    out = tmp_path / "wh"
    Warehouse.build(tiny_folder, out)
    before = _answers(out)
    proc = subprocess.Popen([sys.executable, "-c", BUILD, str(replica), str(out)])
    while proc.poll() is None:
        staging = _staging_of(out)
        if staging is not None and STAGES[stage](staging):
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)
    assert proc.wait() == -signal.SIGKILL, f"the build ended before '{stage}' was seen"
    after = _answers(out)
    assert after == before or after == _answers_of_fresh_build(tmp_path, replica)


SMALL_BATCHES = {"workers": 2, "batch_files": 3, "parallel_min_files": 1}  # the small replica, in parallel


def test_the_next_build_removes_the_hand_over_files_of_a_killed_build(tmp_path, replica, monkeypatch):
    """The batches a killed build had in flight stayed in the temporary folder, a folder each time."""
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    in_parallel = BUILD.replace("pathlib.Path(sys.argv[2]))", "pathlib.Path(sys.argv[2]), Settings(**SMALL_BATCHES))")
    code = f"from cityscapes_warehouse.config import Settings; SMALL_BATCHES = {SMALL_BATCHES!r}; {in_parallel}"
    proc = subprocess.Popen([sys.executable, "-c", code, str(replica), str(tmp_path / "wh")], env=env)
    while proc.poll() is None and not any(path.is_file() for path in temporary.glob(f"{HANDOVER_PREFIX}*/*")):
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the build ended before a batch was handed over"
    (left,) = temporary.glob(f"{HANDOVER_PREFIX}{proc.pid}-*")
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    Warehouse.build(replica, tmp_path / "again", Settings(**SMALL_BATCHES))
    assert not left.exists() and list(temporary.iterdir()) == []


def _answers_of_fresh_build(tmp_path, replica) -> tuple:
    # A kill after the swap is a finished build: the new warehouse, whole, is also a right answer.
    reference = tmp_path / "reference"
    if not reference.exists():
        Warehouse.build(replica, reference)
    return _answers(reference)


def test_next_build_removes_staging_left_by_a_killed_build(tmp_path, tiny_folder):
    stale = tmp_path / ".wh.staging-999999999"
    stale.mkdir()
    Warehouse.build(tiny_folder, tmp_path / "wh")
    assert not stale.exists()


@pytest.mark.parametrize("name", ["*", "[ow]h"])
def test_only_the_staging_of_the_same_out_is_removed(tmp_path, tiny_folder, name):
    """The name is matched as it is: `*` or `[ow]h` took the staging folder of another --out."""
    others = tmp_path / ".wh.staging-999999999"
    own = tmp_path / f".{name}.staging-999999999"
    others.mkdir()
    own.mkdir()
    Warehouse.build(tiny_folder, tmp_path / name)
    assert others.is_dir() and not own.exists()


def test_readers_during_a_rebuild_see_one_whole_version(tmp_path, tiny_folder, replica):
    versions = {
        _answers(Warehouse.build(source, tmp_path / f"ref-{i}")[0].path)
        for i, source in enumerate((tiny_folder, replica))
    }
    out = tmp_path / "wh"
    Warehouse.build(tiny_folder, out)
    seen, errors, stop = set(), [], threading.Event()

    def read_in_a_loop():
        while not stop.is_set():
            try:
                con = duckdb.connect(str(out / "warehouse.duckdb"), read_only=True)
                seen.add(tuple(con.sql(ANSWER_SQL).fetchall()[0]))
                con.close()
            except duckdb.Error as exc:  # a read must never fail, not even mid-swap
                errors.append(exc)

    readers = [threading.Thread(target=read_in_a_loop) for _ in range(2)]
    for reader in readers:
        reader.start()
    for _ in range(2):
        Warehouse.build(replica, out)
        Warehouse.build(tiny_folder, out)
    stop.set()
    for reader in readers:
        reader.join()
    assert errors == []
    assert seen == versions  # both versions were read, and nothing else (no half-written state)
    assert sorted(os.listdir(tmp_path)) == ["download", "ref-0", "ref-1", "wh"]


def test_a_terminated_build_cleans_up_as_ctrl_c_does(tmp_path, tiny_folder, replica):
    # SIGTERM (what `kill`, systemd and container runtimes send) ended the command at once, leaving
    # its staging folder beside --out until the next build there; it now unwinds as Ctrl-C does
    out = tmp_path / "wh"
    Warehouse.build(tiny_folder, out)
    before = _answers(out)
    proc = subprocess.Popen(
        [sys.executable, "-m", "cityscapes_warehouse", "build", str(replica), "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while proc.poll() is None and _staging_of(out) is None:
        time.sleep(0.001)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM, err
    assert err.strip().endswith("build: terminated; the published warehouse was not changed"), err
    assert _staging_of(out) is None
    assert _answers(out) == before
