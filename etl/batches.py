"""Parsing in parallel: the files are cut into batches, each parsed and measured by a worker.

A batch is self-contained (parse, then geometry in bulk, then Arrow tables), so the work spreads
over the cores with only bytes going in and Arrow tables coming out (as files the main process
maps: `parse_batch_into`, in a temporary folder of its own). The main process reads the source
and keeps results in submission order, so the tables do not depend on scheduling.
Copies of one image (the same file name in two places) go to one batch together, where the first
copy in source order wins, exactly as a single pass would decide.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future

import pyarrow as pa

from . import reasons
from .config import Settings, worker_context
from .formats import image_id_of, parse_file
from .parse import ParsedFile
from .sources import Source, SourceFile
from .tables import TableBuilder, merge
from .user_error import WarehouseError
from .workers import keep_freed_memory, no_cycle_collection, process_alive, worker_pool

# Bytes read in the main process (a tar's members) per batch, and in flight to the workers at
# most: with files of up to 16 MiB, memory holds a few batches, whatever the archive holds.
BATCH_BYTES = 16 * 1024 * 1024
IN_FLIGHT_BYTES = 64 * 1024 * 1024
# the temporary folder of a parallel parse's hand-over files: the prefix, the build's process id, "-"
HANDOVER_PREFIX = "cityscapes-warehouse-batches-"


class HandoverLost(WarehouseError):
    """The temporary folder of the hand-over files went while the build ran (a cleaner of the
    temporary folder, a user): the error names it, where the file error named no path."""

    def __init__(self, folder: str):
        super().__init__(
            f"{folder}: the build's temporary folder was removed while it ran, so its parsed batches are "
            "lost; build again, with TMPDIR set to a folder that nothing cleans meanwhile"
        )


def parse_batch(files: list[SourceFile]) -> tuple[dict[str, pa.Table], int, int]:
    """Tables of one batch, the objects read, and the number of files (for progress)."""
    with no_cycle_collection():  # parsed JSON makes millions of lists and dicts, none in a cycle
        return _parse_batch(files)


def parse_batch_into(folder: str, number: int, files: list[SourceFile]) -> tuple[list[str], int, int]:
    """`parse_batch` in a worker: each table goes to an Arrow IPC file in `folder`, for the main
    process to map; returns the tables' names.

    A batch's tables are a few MB, mostly WKB and vertices. Pickled through the pool's pipe they
    are copied about five times; written as Arrow IPC to a file that the main process maps, once.
    Measured on a 6.8 MB batch, both processes: 28 ms of CPU pickled (20 of them in the worker),
    5 ms this way; a full build's 290 MB of tables, about 1 s. A file per table, so that a small
    table the writer holds to the end (images) keeps only its own file mapped: one file per batch
    kept every batch's mapping, and 90 MB more resident.
    """
    tables, read, count = parse_batch(files)
    for name, table in tables.items():
        with pa.OSFile(_handover_file(folder, number, name), "wb") as sink, pa.ipc.new_file(sink, table.schema) as out:
            out.write_table(table)
    return list(tables), read, count


def _handover_file(folder: str, number: int, table: str) -> str:
    return os.path.join(folder, f"batch-{number}-{table}.arrow")


def _mapped_tables(folder: str, number: int, names: list[str]) -> dict[str, pa.Table]:
    """The tables of a batch's hand-over files, read without a copy. Each file is deleted at once:
    its mapping stays valid, and its pages go back once its table is let go."""
    tables = {}
    for name in names:
        path = _handover_file(folder, number, name)
        mapped = pa.memory_map(path)
        try:
            tables[name] = pa.ipc.open_file(mapped).read_all()
        finally:
            mapped.close()
            os.unlink(path)
    return tables


def _parse_batch(files: list[SourceFile]) -> tuple[dict[str, pa.Table], int, int]:
    try:
        builder = _parsed(files, _parse_or_reject)
        return builder.finish(), builder.objects_read, len(files)
    except Exception:  # one file broke the batch's tables: find it, and reject it alone
        builder = _parsed(files, _parse_isolated)
        return builder.finish(), builder.objects_read, len(files)


def _parsed(files: list[SourceFile], parse: Callable[[SourceFile, str | None], ParsedFile]) -> TableBuilder:
    builder = TableBuilder()
    first_seen: dict[str, str] = {}  # image_id -> the file that gave it, to reject a later copy
    for file in files:
        image_id = image_id_of(file.file_name)
        parsed = parse(file, first_seen.get(image_id) if image_id else None)
        if parsed.image is not None:
            first_seen.setdefault(parsed.image["image_id"], file.source_path)
        builder.add(parsed)
    return builder


def _parse_or_reject(file: SourceFile, duplicate_of: str | None) -> ParsedFile:
    """parse_file, and any failure it did not foresee as the file's reject: no file stops a build."""
    try:
        return parse_file(file, duplicate_of)
    except Exception as exc:  # noqa: BLE001 (whatever it is, it is this file's, and is named)
        return _failed(file, exc)


def _parse_isolated(file: SourceFile, duplicate_of: str | None) -> ParsedFile:
    """As _parse_or_reject, and the file's own tables built alone first, so a file whose records
    cannot become rows is rejected instead of failing its whole batch."""
    parsed = _parse_or_reject(file, duplicate_of)
    try:
        alone = TableBuilder()
        alone.add(parsed)
        alone.finish()
    except Exception as exc:  # noqa: BLE001
        return _failed(file, exc)
    return parsed


def _failed(file: SourceFile, exc: Exception) -> ParsedFile:
    out = ParsedFile(file.source_path)
    out.reject(reasons.PARSE_ERROR, f"{type(exc).__name__}: {str(exc)[:300]}")
    return out


def batches(src: Source, batch_files: int) -> Iterator[list[SourceFile]]:
    """The source's files cut into batches of `batch_files` (or BATCH_BYTES of bytes read here).

    Copies of one image go to one batch, after the others. A source that `reads_in_place` (a tar)
    has each file read as it is batched, so only the batches in flight hold bytes.
    """
    names = src.names()
    ids = [image_id_of(name) for name in names]
    copies = Counter(image_id for image_id in ids if image_id)
    in_place = getattr(src, "reads_in_place", False)
    held: dict[str, list[SourceFile]] = defaultdict(list)
    batch: list[SourceFile] = []
    size = 0
    for file, image_id in zip(src.files(), ids, strict=True):
        if image_id and copies[image_id] > 1:
            held[image_id].append(file)
            continue
        file = file.loaded() if in_place else file
        batch.append(file)
        size += len(file.data or b"")
        if len(batch) == batch_files or size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
    for group in held.values():
        yield [file.loaded() for file in group] if in_place else group


def batch_bytes(files: list[SourceFile]) -> int:
    return sum(len(file.data or b"") for file in files)


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
    # the start method: see config.START_METHOD; workers end when the build process dies (workers.py).
    # The pool stops before the hand-over folder goes, so no worker writes into it afterwards.
    # a cleanup error must not hide the error that ended the parse (the folder removed: HandoverLost)
    remove_dead_handovers(tempfile.gettempdir())
    with (
        tempfile.TemporaryDirectory(prefix=f"{HANDOVER_PREFIX}{os.getpid()}-", ignore_cleanup_errors=True) as handover,
        worker_pool(workers, worker_context(), keep_freed_memory) as pool,
    ):
        pending: deque[tuple[Future, int, int]] = deque()
        in_flight = 0
        for number, batch in enumerate(batches(src, settings.batch_files)):
            size = batch_bytes(batch)
            pending.append((pool.submit(parse_batch_into, handover, number, batch), number, size))
            in_flight += size
            # bounds what is in flight (batches and bytes); workers run on while results are written
            while len(pending) > 8 * workers or (in_flight > IN_FLIGHT_BYTES and len(pending) > 1):
                future, number, size = pending.popleft()
                in_flight -= size
                yield _handed_over(future, handover, number)
        while pending:
            future, number, _ = pending.popleft()
            yield _handed_over(future, handover, number)


def remove_dead_handovers(folder: str) -> None:
    """Remove the hand-over folders, in `folder`, of this user's builds whose process is gone.

    A build killed (SIGKILL, the system's memory killer) leaves its folder with the batches it had
    in flight, up to IN_FLIGHT_BYTES; the next build removes it, as it does a dead build's staging
    folder. A folder named without a process id (an older version's) is left alone.
    """
    for path in glob.glob(os.path.join(glob.escape(folder), f"{HANDOVER_PREFIX}*-*")):
        pid = os.path.basename(path)[len(HANDOVER_PREFIX) :].split("-", 1)[0]
        try:
            owned = not hasattr(os, "getuid") or os.stat(path).st_uid == os.getuid()
        except OSError:  # gone meanwhile
            continue
        if owned and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def _handed_over(future: Future, folder: str, number: int) -> tuple[dict[str, pa.Table], int, int]:
    try:
        names, read, count = future.result()
        return _mapped_tables(folder, number, names), read, count
    except FileNotFoundError as exc:  # a worker's or this process's: Arrow's error carries no file name to show
        if os.path.isdir(folder):
            raise
        raise HandoverLost(folder) from exc
