"""Worker process pools that stop at once when the work is abandoned (Ctrl-C, an error, a closed
generator), and whose workers end when the build's process dies, even by SIGKILL.

A plain `with ProcessPoolExecutor()` waits on exit for every submitted task, and a worker hit by
Ctrl-C reports KeyboardInterrupt as that task's result and takes the next one: an interrupted
pixel stage ran on for a minute. Here workers ignore SIGINT (the parent decides) and the parent
cancels what is queued and terminates them. Every pool of the package (parsing, the pixel stage,
the replica writer) starts its workers here, so each has the same policy.
"""

from __future__ import annotations

import atexit
import ctypes
import gc
import importlib.abc
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import BaseContext

from . import archive_budget
from .arrow_memory import use_build_pool

STOP_WAIT_S = 1.0  # a terminated worker is given this long to go before it is killed
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>
# What a worker's environment adds to its parent's. numpy's OpenBLAS starts a thread per core as
# it is imported, and each spins about 0.1 s of CPU before it sleeps (0.2 s in a worker that also
# imports OpenCV), on cores the pool already fills: a build's two workers spent 0.2 to 0.3 s of
# CPU so. No worker of the package calls BLAS. A variable the parent has set is left as it is.
WORKER_ENVIRONMENT = {"OPENBLAS_NUM_THREADS": "1"}


class _SharedEnvironment:
    """Variables added to this process's environment while any pool lives, for the workers it spawns.

    A pool spawns its workers as tasks come, so the variables stay while it lives; two pools may
    live at once and close in any order (a build's parse pool lives in a generator), so the last
    one out removes them, and only those still holding the value added. Meanwhile a subprocess the
    caller starts inherits them too.
    """

    def __init__(self, variables: dict[str, str]):
        self._variables = variables
        self._lock = threading.Lock()
        self._pools = 0
        self._added: dict[str, str] = {}

    @contextmanager
    def held(self) -> Iterator[None]:
        with self._lock:
            if not self._pools:
                self._added = {name: value for name, value in self._variables.items() if name not in os.environ}
                os.environ.update(self._added)
            self._pools += 1
        try:
            yield
        finally:
            with self._lock:
                self._pools -= 1
                if not self._pools:
                    for name, value in self._added.items():
                        if os.environ.get(name) == value:  # else the caller has set it since
                            del os.environ[name]


_worker_environment = _SharedEnvironment(WORKER_ENVIRONMENT)


@contextmanager
def worker_pool(
    workers: int, context: BaseContext, initializer: Callable[[], None] | None = None
) -> Iterator[ProcessPoolExecutor]:
    shared = (initializer, archive_budget.state())
    with _worker_environment.held():  # a spawned worker inherits its parent's environment
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=shared)
        try:
            yield pool
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def _start_worker(initializer: Callable[[], None] | None, budget: tuple) -> None:
    """Every worker's start: it dies with its parent, leaves Ctrl-C to the parent, charges the
    build's archive budget, does not import pandas, allocates Arrow memory as builds do, and ends
    without tearing its interpreter down."""
    end_with_parent()
    atexit.register(end_without_teardown)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    archive_budget.adopt(budget)
    without_pandas()
    use_build_pool()
    if initializer is not None:
        initializer()


def end_without_teardown() -> None:
    """A worker's last act, once the pool has let it go: the process ends here, before Python frees
    every module and object it holds. That teardown (a last cycle collection over numpy, pyarrow,
    shapely and their caches) took 0.08 s of CPU per worker at the end of a build, when the main
    process writes its last row groups on every core. Nothing is lost: the results went back
    through the pool's pipe, and a worker holds no file or buffer of its own (stdout and stderr are
    flushed first). The exit code is 0 even after an error in the worker's own loop: the pool takes
    any worker that ends before the pool is shut down for a crash, whatever its code."""
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    os._exit(0)


def without_pandas() -> None:
    """Make `import pandas` fail in this process, unless pandas is already imported.

    pyarrow imports pandas the first time it builds an array from Python values, only to ask
    whether the values are a pandas object: 0.3 s of CPU in every worker, a tenth of a worker's
    share of a build. No worker of the package uses pandas, and pyarrow takes a failed import as
    "pandas is not installed". (A None entry in sys.modules would not do: pyarrow's compiled import
    returns it as the module.)
    """
    if "pandas" not in sys.modules and not any(isinstance(f, _RefusePandas) for f in sys.meta_path):
        sys.meta_path.insert(0, _RefusePandas())


class _RefusePandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path=None, target=None):
        if name.partition(".")[0] == "pandas":
            raise ModuleNotFoundError("pandas is not imported in the package's worker processes", name=name)
        return None


@contextmanager
def no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector for a batch of work that makes many short-lived lists and
    dicts, none of them in a cycle (reference counting frees them all): each few hundred of them
    started a collection, and every tenth of those walked all the objects the process holds.
    Parsing a build's batches: about 15 % of a build. Rasterising the crowded replica images:
    10.46 to 9.65 ms of CPU per image (6 rounds, alternating, in one process)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# glibc's malloc hands a block above its threshold (128 KiB, raised up to 32 MiB as such blocks are
# freed) a mapping of its own, unmapped when it is freed, and gives the top of its heap back to the
# system past twice that threshold. A parse worker's batch makes numpy arrays of a few MiB each,
# dozens at a time, so every batch faulted fresh pages in and gave them back: 200,000 to 260,000
# page faults and 0.5 to 0.7 s of system time over the full replica's batches, one process. With
# both thresholds fixed at 32 MiB: 13,000 faults, 0.15 to 0.23 s, the same user time, 10 MB more
# resident (four runs each, alternating). From <malloc.h>:
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
KEPT_FREED_BYTES = 32 * 1024 * 1024


def keep_freed_memory() -> None:
    """A parse worker's start (not the pixel stage's, whose canvases of 8 MB would stay resident):
    glibc's malloc keeps what is freed for the next batch, up to KEPT_FREED_BYTES. A no-op off
    Linux, and where the C library has no mallopt."""
    if not sys.platform.startswith("linux"):
        return
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt(M_MMAP_THRESHOLD, KEPT_FREED_BYTES)
    mallopt(M_TRIM_THRESHOLD, KEPT_FREED_BYTES)


def end_with_parent() -> None:
    """The worker ends when the build's process does, even when it is killed.

    Linux delivers SIGKILL to the worker when its parent dies (prctl PR_SET_PDEATHSIG); elsewhere
    the pool's own shutdown still ends workers when the parent exits normally.
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before the signal was asked for
        os._exit(1)


def process_alive(pid: int) -> bool:
    """Whether a process `pid` exists (one of another user's too): what a killed build left, named
    by its process, is removed only once that process is gone. On Windows always True: there,
    os.kill(pid, 0) sends the process Ctrl-C."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Drop the queued tasks and end the workers now, whatever they are doing."""
    processes = list((pool._processes or {}).values())  # noqa: SLF001 -- the executor has no public handle
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(STOP_WAIT_S)
        if process.is_alive():
            process.kill()
