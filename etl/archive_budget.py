"""What one build may inflate from archives in all, counted across every process of the build.

Each zip entry is capped on its own (sources/zipentry.py); this caps their sum, so an archive of
very many entries cannot keep a build inflating for hours. The count lives in shared memory: the
build creates it (`shared`), its worker pools hand it to each worker (workers.py), and every
process charges what it inflates to the same total. Outside a build (a source read directly) each
process counts alone.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.context import BaseContext

# The full-scale replica holds about 0.7 GB of JSON, the release's label PNGs about 0.3 GB more.
MAX_ARCHIVE_BYTES = 8 * 1024**3

_shared = None  # the build's counter (a multiprocessing Value) while a build runs
_limit = MAX_ARCHIVE_BYTES
_alone = 0  # this process's own count when no build shares one


@contextmanager
def shared(context: BaseContext, limit: int = MAX_ARCHIVE_BYTES) -> Iterator[None]:
    """A fresh total for one build, seen by this process and every worker started meanwhile."""
    global _shared, _limit
    previous = (_shared, _limit)
    _shared, _limit = context.Value("q", 0), limit
    try:
        yield
    finally:
        _shared, _limit = previous


def state() -> tuple:
    """What a worker needs to charge the same total: passed to it when it starts."""
    return (_shared, _limit)


def adopt(given: tuple) -> None:
    """In a worker: charge the build's total from now on."""
    global _shared, _limit
    _shared, _limit = given


def limit() -> int:
    return _limit


def spent() -> int:
    if _shared is None:
        return _alone
    return _shared.value


def charge(size: int) -> None:
    global _alone
    if _shared is None:
        _alone += size
        return
    with _shared.get_lock():
        _shared.value += size
