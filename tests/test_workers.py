"""The package's worker processes: what they import, and what they refuse to."""

from __future__ import annotations

import gc
import os
import sys

import pytest

from cityscapes_warehouse import batches
from cityscapes_warehouse.config import worker_context
from cityscapes_warehouse.workers import keep_freed_memory, no_cycle_collection, worker_pool


def _modules_after_parsing_tables() -> dict:
    import pyarrow as pa

    from cityscapes_warehouse import batches  # noqa: F401  (what a parse worker imports)

    # pyarrow asks whether Python values are a pandas object, importing pandas if it can
    table = pa.Table.from_pylist([{"a": 1}])
    return {
        "rows": table.num_rows,
        "pandas": "pandas" in sys.modules and sys.modules["pandas"] is not None,
        "opencv_or_pillow": sorted(m for m in ("cv2", "PIL") if m in sys.modules),
    }


def _import_pandas() -> str:
    try:
        import pandas  # noqa: F401
    except ImportError as exc:
        return str(exc)
    return "imported"


def test_a_parse_worker_imports_neither_pandas_nor_the_pixel_stage():
    with worker_pool(1, worker_context()) as pool:
        seen = pool.submit(_modules_after_parsing_tables).result()
    assert seen == {"rows": 1, "pandas": False, "opencv_or_pillow": []}


def test_importing_pandas_in_a_worker_fails_with_a_message_and_the_parent_keeps_it():
    with worker_pool(1, worker_context()) as pool:
        said = pool.submit(_import_pandas).result()
    assert "not imported in the package's worker processes" in said
    assert _import_pandas() == "imported"  # the refusal is the workers' alone


def _arrow_pool() -> str:
    import pyarrow as pa

    return pa.default_memory_pool().backend_name


def test_a_worker_allocates_arrow_memory_from_the_build_pool():
    from cityscapes_warehouse.arrow_memory import build_pool

    with worker_pool(1, worker_context()) as pool:
        assert pool.submit(_arrow_pool).result() == build_pool().backend_name


def _blas_threads_and_variable() -> tuple[int, str | None]:
    """The threads this process runs once numpy is imported, less the one running this, and the variable."""
    import numpy  # noqa: F401  (imported with the package already; what counts is how it started)

    return len(os.listdir("/proc/self/task")) - 1, os.environ.get("OPENBLAS_NUM_THREADS")


@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="threads are counted in Linux's /proc")
def test_a_worker_starts_numpy_without_blas_threads_and_the_parent_environment_is_left_as_it_was(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with worker_pool(1, worker_context()) as pool:
        threads, variable = pool.submit(_blas_threads_and_variable).result()
        assert os.environ["OPENBLAS_NUM_THREADS"] == "1"  # while the pool lives: it spawns workers as tasks come
    assert variable == "1"
    # OpenBLAS starts a thread per further core as numpy is imported: none in a worker. pyarrow and
    # jemalloc may keep a thread of their own, which the variable does not change
    assert threads == _threads_other_than_blas()
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def _threads_other_than_blas() -> int:
    """What a fresh interpreter started with one BLAS thread counts (the independent baseline)."""
    import subprocess

    probe = "import os, cityscapes_warehouse.batches; print(len(os.listdir('/proc/self/task')) - 1)"
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_a_variable_the_caller_set_reaches_the_workers_unchanged(monkeypatch):
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    with worker_pool(1, worker_context()) as pool:
        _, variable = pool.submit(_blas_threads_and_variable).result()
    assert variable == "3"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "3"


def test_pools_closed_out_of_order_keep_the_variable_until_the_last_is_closed(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    first, second = worker_pool(1, worker_context()), worker_pool(1, worker_context())
    first.__enter__()
    pool = second.__enter__()
    first.__exit__(None, None, None)
    _, variable = pool.submit(_blas_threads_and_variable).result()  # its worker is spawned only now
    second.__exit__(None, None, None)
    assert variable == "1"
    assert "OPENBLAS_NUM_THREADS" not in os.environ


def test_a_value_the_caller_sets_while_a_pool_lives_is_kept(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    with worker_pool(1, worker_context()):
        os.environ["OPENBLAS_NUM_THREADS"] = "8"
    assert os.environ["OPENBLAS_NUM_THREADS"] == "8"


def test_the_cycle_collector_is_paused_for_a_batch_and_given_back_as_it_was():
    assert gc.isenabled()
    with pytest.raises(ValueError), no_cycle_collection():
        assert not gc.isenabled()
        raise ValueError("a batch that fails")
    assert gc.isenabled()
    gc.disable()
    try:
        with no_cycle_collection():
            pass
        assert not gc.isenabled()  # a caller that had it off keeps it off
    finally:
        gc.enable()


def test_parsing_and_rasterising_run_without_the_cycle_collector(monkeypatch):
    from cityscapes_warehouse.pixels import stage  # here: this module's workers must not import the stage

    seen = []
    monkeypatch.setattr(batches, "_parse_batch", lambda files: seen.append(gc.isenabled()))
    monkeypatch.setattr(stage, "rasterise", lambda layout, cell_px: seen.append(gc.isenabled()))
    batches.parse_batch([])
    stage._rasterised(None, 16)
    assert seen == [False, False]
    assert gc.isenabled()


class _SaysWhenFreed:
    """Writes to its file when freed: in a worker, only the interpreter's teardown frees it."""

    def __init__(self, path: str):
        # opened and bound now: a teardown has cleared the globals of this module and of pathlib,
        # and an error in __del__ goes unseen
        self.fd, self.write = os.open(path, os.O_WRONLY | os.O_CREAT), os.write

    def __del__(self):
        self.write(self.fd, b"torn down")


_KEPT: list[_SaysWhenFreed] = []


def _keep_until_the_end(path: str) -> int:
    _KEPT.append(_SaysWhenFreed(path))
    return os.getpid()


def test_a_worker_ends_without_tearing_its_interpreter_down(tmp_path):
    # the teardown cost each worker 0.08 s of CPU at the end of a build (workers.end_without_teardown)
    marker = tmp_path / "torn-down"
    with worker_pool(1, worker_context()) as pool:
        pid = pool.submit(_keep_until_the_end, str(marker)).result()
        process = pool._processes[pid]  # noqa: SLF001 -- the executor has no public handle
    assert process.exitcode == 0
    assert marker.read_bytes() == b""  # created by the task, never written by a teardown


BLOCK_BYTES = 4 * 1024 * 1024  # a parse batch's numpy arrays are a few MiB each


def _faults_of_a_second_block(size: int) -> int:
    """Page faults in making and touching a block of `size` bytes, after one as large was made,
    touched and freed (as a batch's arrays are, and the next batch's after them)."""
    import resource

    import numpy as np

    np.ones(size, np.uint8)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    np.ones(size, np.uint8)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc: Linux")
def test_a_parse_worker_reuses_what_it_freed_where_a_default_worker_faults_it_in_again():
    pages = BLOCK_BYTES // os.sysconf("SC_PAGE_SIZE")
    with worker_pool(1, worker_context(), keep_freed_memory) as pool:
        kept = pool.submit(_faults_of_a_second_block, BLOCK_BYTES).result()
    with worker_pool(1, worker_context()) as pool:  # as the pixel stage's workers start
        default = pool.submit(_faults_of_a_second_block, BLOCK_BYTES).result()
    # measured: 0 against about half the block's pages (glibc's default serves it from a heap it
    # grew, or a mapping of its own)
    assert kept < pages // 10
    assert default >= pages // 4


def test_the_parse_pool_starts_its_workers_keeping_freed_memory(monkeypatch, tiny_folder):
    from cityscapes_warehouse.config import Settings
    from cityscapes_warehouse.sources import open_source

    initializers = []
    real_pool = batches.worker_pool

    def recorded(workers, context, initializer=None):
        initializers.append(initializer)
        return real_pool(workers, context, initializer)

    monkeypatch.setattr(batches, "worker_pool", recorded)
    parsed = list(batches.parsed_batches(open_source(tiny_folder), Settings(workers=2, parallel_min_files=1)))
    assert parsed
    assert initializers == [keep_freed_memory]
