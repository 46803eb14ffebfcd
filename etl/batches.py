"""Parsing in parallel: the files are cut into batches, each parsed and measured by a worker.

A batch is self-contained (parse, then geometry in bulk, then Arrow tables), so the work spreads
over the cores with only bytes going in and Arrow tables coming out. The main process reads the
source and keeps results in submission order, so the tables do not depend on scheduling.
Copies of one image (the same file name in two places) go to one batch together, where the first
copy in source order wins, exactly as a single pass would decide.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager

import pyarrow as pa

from .config import Settings, worker_context
from .parse import image_id_of, parse_file
from .sources import Source, SourceFile
from .tables import TableBuilder, merge
from .workers import worker_pool


def parse_batch(files: list[SourceFile]) -> tuple[dict[str, pa.Table], int, int]:
    """Tables of one batch, the objects read, and the number of files (for progress)."""
    with _no_cycle_collection():
        return _parse_batch(files)


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector: parsed JSON makes millions of lists and dicts, which keep
    triggering it, and none is in a cycle (reference counting frees them all). Saves ~15 % of a build."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_batch(files: list[SourceFile]) -> tuple[dict[str, pa.Table], int, int]:
    builder = TableBuilder()
    first_seen: dict[str, str] = {}  # image_id -> the file that gave it, to reject a later copy
    for file in files:
        image_id = image_id_of(file.file_name)
        parsed = parse_file(file, first_seen.get(image_id) if image_id else None)
        if parsed.image is not None:
            first_seen.setdefault(parsed.image["image_id"], file.source_path)
        builder.add(parsed)
    return builder.finish(), builder.objects_read, len(files)


def batches(src: Source, batch_files: int) -> Iterator[list[SourceFile]]:
    names = src.names()
    ids = [image_id_of(name) for name in names]
    copies = Counter(image_id for image_id in ids if image_id)
    held: dict[str, list[SourceFile]] = defaultdict(list)
    batch: list[SourceFile] = []
    for file, image_id in zip(src.files(), ids, strict=True):
        if image_id and copies[image_id] > 1:
            held[image_id].append(file)
            continue
        batch.append(file)
        if len(batch) == batch_files:
            yield batch
            batch = []
    if batch:
        yield batch
    yield from held.values()


def parse_source(
    src: Source, settings: Settings, progress: Callable[[int, int], None] | None = None
) -> tuple[dict[str, pa.Table], int]:
    """All tables of the source at once, and the number of objects read."""
    parts, objects_read = [], 0
    for tables, read in parsed_batches(src, settings, progress):
        parts.append(tables)
        objects_read += read
    return merge(parts), objects_read


def parsed_batches(
    src: Source, settings: Settings, progress: Callable[[int, int], None] | None = None
) -> Iterator[tuple[dict[str, pa.Table], int]]:
    """The tables of each batch and the objects it read, in source order, as the workers finish them."""
    total = len(src.names())
    workers = settings.workers if total >= settings.parallel_min_files else 1
    done = 0
    if progress:
        progress(0, total)  # starts the stage's clock before the first batch is back
    for tables, read, files in _results(src, settings, workers):
        done += files
        if progress:
            progress(done, total)
        yield tables, read


def _results(src: Source, settings: Settings, workers: int) -> Iterator[tuple[dict[str, pa.Table], int, int]]:
    if workers <= 1:
        for batch in batches(src, settings.batch_files):
            yield parse_batch(batch)
        return
    with worker_pool(workers, worker_context()) as pool:  # the start method: see config.START_METHOD
        pending: deque[Future] = deque()
        for batch in batches(src, settings.batch_files):
            pending.append(pool.submit(parse_batch, batch))
            if len(pending) > 8 * workers:  # bounds what is in flight; workers run on while results are written
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
