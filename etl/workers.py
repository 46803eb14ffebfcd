"""Worker process pools that stop at once when the work is abandoned (Ctrl-C, an error, a closed generator).

A plain `with ProcessPoolExecutor()` waits on exit for every submitted task, and a worker hit by
Ctrl-C reports KeyboardInterrupt as that task's result and takes the next one: an interrupted
pixel stage ran on for a minute. Here workers ignore SIGINT (the parent decides) and the parent
cancels what is queued and terminates them.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from multiprocessing.context import BaseContext

STOP_WAIT_S = 1.0  # a terminated worker is given this long to go before it is killed


@contextmanager
def worker_pool(
    workers: int, context: BaseContext, initializer: Callable[[], None] | None = None
) -> Iterator[ProcessPoolExecutor]:
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(initializer,))
    try:
        yield pool
    except BaseException:
        stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _start_worker(initializer: Callable[[], None] | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer()


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
