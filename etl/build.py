"""The build pipeline: source adapter -> parse -> Arrow tables -> Parquet + DuckDB -> publish."""

from __future__ import annotations

import itertools
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from . import archive_budget, reasons, schemas
from .arrow_memory import build_pool_in_use
from .arrow_values import table_from_rows
from .audit import SHOWN_FAILURES, audit, failure_lines
from .batches import parsed_batches
from .config import Settings, worker_context
from .display import shown_path
from .formats import open_source
from .pixels import empty_pixel_tables
from .progress import stage
from .publish import check_out, check_out_outside_source, publish, staging_dir
from .table_writer import TableWriter
from .tables import TableBuilder, batch_bbox, geo_metadata, labels_table, union_bbox
from .user_error import WarehouseError
from .version import __version__

STRICT_EXAMPLES = SHOWN_FAILURES  # rejects shown when --strict or an unreadable source refuses a build


@dataclass
class BuildSummary:
    out: Path
    source: str
    source_kind: str
    synthetic: bool
    files_read: int
    images: int
    objects: int
    objects_read: int
    rejects_by_reason: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    checks: object = None  # the audit's ValidationReport
    pixels: bool = False
    label_pngs_compared: int | None = None  # images whose label PNGs were compared; None: not asked

    @property
    def rejects(self) -> int:
        return sum(self.rejects_by_reason.values())

    @property
    def faults_by_reason(self) -> dict[str, int]:
        """Rejects for a fault of the source (what --strict refuses): every reason but the release's
        conventions (reasons.CONVENTIONS: deleted objects and polygons of fewer than 3 points, which
        cityscapesScripts skips and the published 287540 objects exclude)."""
        return {r: n for r, n in self.rejects_by_reason.items() if r not in reasons.CONVENTIONS}


class StrictError(WarehouseError):
    """A --strict build rejected something for a fault of the source; nothing was published."""

    def __init__(self, summary: BuildSummary, examples: list[dict]):
        self.summary = summary
        faults = summary.faults_by_reason
        reasons = ", ".join(f"{reason} {count}" for reason, count in faults.items())
        super().__init__(
            f"--strict: {sum(faults.values())} reject(s) for a fault of the source ({reasons}), "
            f"so nothing was published:{_examples(examples, sum(faults.values()))}"
        )


class NothingReadError(WarehouseError):
    """No image of the source could be read: every file was rejected, and nothing was published.

    A truncated download or a folder of broken files would otherwise replace a good warehouse with
    an empty one, and every check of an empty table passes.
    """

    def __init__(self, summary: BuildSummary, examples: list[dict]):
        self.summary = summary
        reasons = ", ".join(f"{reason} {count}" for reason, count in summary.rejects_by_reason.items())
        super().__init__(
            f"no image could be read from {summary.source}: {summary.files_read} file(s), every one "
            f"rejected ({reasons or 'nothing to read'}), so nothing was published:"
            f"{_examples(examples, summary.rejects)}"
        )


def _examples(examples: list[dict], total: int) -> str:
    """The first rejects, a line each after a line break, and how many more there are of `total`."""
    lines = failure_lines([f"{_where(r)}: {r['reason']}: {r['detail']}" for r in examples], total)
    return f"\n{lines}" if lines else ""


def _where(reject: dict) -> str:
    order = reject["draw_order"]
    return reject["source_path"] if order is None else f"{reject['source_path']} object {order}"


@build_pool_in_use()  # arrow_memory.py: a lower peak than pyarrow's default allocator
def build(
    source: str | Path,
    out: Path,
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
    expect_published: bool = False,
    strict: bool = False,
    pixels: bool = False,
    pixel_progress: Callable[[int, int], None] | None = None,
    check_label_pngs: bool = False,
) -> BuildSummary:
    """Write, audit, publish: the warehouse at `out` is replaced only by one that passed its checks.

    Batches are written to the staging warehouse as the workers finish them, so memory holds a few
    batches, not the dataset. With `strict`, any reject (an object or file that cannot be loaded)
    fails the build instead. With `pixels`, every image is also rasterised (Dataset Ninja's pixel
    statistics, visibility under painter's order, heatmaps); it costs 4 to 13 ms of CPU per image,
    as fast as the machine runs (bench/RESULTS.md), so it is asked for. `check_label_pngs` (implies
    `pixels`) also compares the source's label PNGs, where it has them, with the official
    rasterisation (`label_image_mismatches`).
    """
    started = time.perf_counter()
    settings = settings or Settings()
    check_out(out)  # before reading a single source file: a folder that is not a warehouse is refused
    pixels = pixels or check_label_pngs
    src = open_source(source)
    check_out_outside_source(out, src.location)
    staging = staging_dir(out)
    try:
        # what the build's processes together may inflate from an archive (archive_budget.py)
        with archive_budget.shared(worker_context(), settings.archive_bytes):
            writer = TableWriter(staging, settings)
            try:
                writer.declare(schemas.TABLES)
                tally = _write_batches(parsed_batches(src, settings, progress), writer)
                summary = BuildSummary(
                    out=out,
                    source=str(source),
                    source_kind=src.kind,
                    synthetic=src.synthetic,
                    files_read=len(src.names()),
                    images=tally.images,
                    objects=tally.objects,
                    objects_read=tally.objects_read,
                    rejects_by_reason=dict(sorted(tally.rejects.items())),
                    pixels=pixels,
                )
                if not summary.images:
                    raise NothingReadError(summary, tally.first_faults)
                if strict and summary.faults_by_reason:
                    raise StrictError(summary, tally.first_faults)
                if pixels:
                    writer.append(_rasterised(writer, src, summary, check_label_pngs, pixel_progress, settings))
                else:
                    writer.append(empty_pixel_tables())
                summary.seconds = time.perf_counter() - started
                writer.append({"labels": labels_table(), "build_info": _build_info(summary)})
            except BaseException:
                writer.abort()
                raise
        with stage("writing the warehouse"):
            writer.close({"objects": geo_metadata(union_bbox(tally.boxes))})
        with stage("auditing the staged warehouse"):
            summary.checks = audit(staging, expect_published)
        publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _rasterised(
    writer: TableWriter,
    src,
    summary: BuildSummary,
    check_label_pngs: bool,
    progress: Callable[[int, int], None] | None,
    settings: Settings,
) -> dict[str, pa.Table]:
    """The pixel tables of the staged tables (and the label PNGs compared, counted in `summary`).

    The staged tables are read for the stage and not kept here: the stage lets go of them once its
    layout is built, and their memory goes back before the rasterisation.
    """
    from .pixels import INPUT_COLUMNS, pixel_tables  # OpenCV and Pillow: only when asked for

    label_pngs = _label_pngs(src) if check_label_pngs else None
    if label_pngs is not None:
        paths = writer.tables({"images": ("source_path",)})["images"]["source_path"].to_pylist()
        summary.label_pngs_compared = sum(path in label_pngs for path in paths)
    return pixel_tables(writer.tables(INPUT_COLUMNS), progress, label_pngs=label_pngs, settings=settings)


def _label_pngs(src) -> dict[str, dict[str, Callable[[], bytes]]]:
    """The source's label PNG readers by polygon file; none for a format without PNGs (Supervisely)."""
    return src.label_pngs() if hasattr(src, "label_pngs") else {}


@dataclass
class _Tally:
    """What the build reports of the batches it wrote: counts, rejects by reason, the vertices' bounds."""

    images: int = 0
    objects: int = 0
    objects_read: int = 0
    rejects: Counter = field(default_factory=Counter)
    first_faults: list[dict] = field(default_factory=list)  # the first rejects for a fault of the source
    boxes: list[list[int] | None] = field(default_factory=list)  # each batch's vertex bounds, one per batch


def _write_batches(batches: Iterator[tuple[dict[str, pa.Table], int]], writer: TableWriter) -> _Tally:
    tally = _Tally()
    for tables, read in batches:
        writer.append(tables)
        tally.images += tables["images"].num_rows
        tally.objects += tables["objects"].num_rows
        tally.objects_read += read
        reject_reasons = tables["rejects"]["reason"].to_pylist()
        tally.rejects.update(reject_reasons)
        # read row by row, not filtered by pyarrow's is_in: its value set would be a pa.array (arrow_values.py)
        faults = (row for row, reason in enumerate(reject_reasons) if reason not in reasons.CONVENTIONS)
        for row in itertools.islice(faults, STRICT_EXAMPLES - len(tally.first_faults)):
            tally.first_faults += tables["rejects"].slice(row, 1).to_pylist()
        tally.boxes.append(batch_bbox(tables["objects"]))
    if not tally.boxes:  # no file at all: the tables still exist, empty and typed
        writer.append(TableBuilder().finish())
    return tally


def _build_info(summary: BuildSummary) -> pa.Table:
    row = {
        "tool_version": __version__,
        # as the user gave it, with a home folder written ~ so a shared warehouse names no user
        "source": shown_path(summary.source),
        "source_kind": summary.source_kind,
        "synthetic": summary.synthetic,
        "built_at": datetime.now(UTC).replace(microsecond=0),
        "files_read": summary.files_read,
        "objects_read": summary.objects_read,
        "pixels": summary.pixels,
        "seconds": summary.seconds,
    }
    return table_from_rows([row], schemas.BUILD_INFO)
