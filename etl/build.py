"""The build pipeline: source adapter -> parse -> Arrow tables -> Parquet + DuckDB -> publish."""

from __future__ import annotations

import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from . import __version__, schemas
from .audit import audit
from .batches import parse_source
from .config import Settings
from .pixels import empty_pixel_tables, pixel_tables
from .sources import open_source
from .store import publish, staging_dir, write_tables


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

    @property
    def rejects(self) -> int:
        return sum(self.rejects_by_reason.values())


class StrictError(Exception):
    """A --strict build read something it had to reject; nothing was published."""

    def __init__(self, summary: BuildSummary, examples: list[dict]):
        self.summary = summary
        reasons = ", ".join(f"{reason} {count}" for reason, count in summary.rejects_by_reason.items())
        shown = "\n".join(f"  {_where(r)}: {r['reason']}: {r['detail']}" for r in examples)
        super().__init__(f"--strict: {summary.rejects} reject(s) ({reasons}), so nothing was published:\n{shown}")


def _where(reject: dict) -> str:
    order = reject["draw_order"]
    return reject["source_path"] if order is None else f"{reject['source_path']} object {order}"


def build(source: str | Path, out: Path, settings: Settings | None = None,
          progress: Callable[[int, int], None] | None = None, expect_published: bool = False,
          strict: bool = False, pixels: bool = False,
          pixel_progress: Callable[[int, int], None] | None = None) -> BuildSummary:
    """Write, audit, publish: the warehouse at `out` is replaced only by one that passed its checks.

    With `strict`, any reject (an object or file that cannot be loaded) fails the build instead.
    With `pixels`, every image is also rasterised (Dataset Ninja's pixel statistics, visibility
    under painter's order, heatmaps); it costs about 5 ms per image per core, so it is asked for.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    src = open_source(source)
    tables, objects_read = parse_source(src, settings, progress)
    summary = BuildSummary(
        out=out, source=str(source), source_kind=src.kind, synthetic=src.synthetic, files_read=len(src.names()),
        images=tables["images"].num_rows, objects=tables["objects"].num_rows, objects_read=objects_read,
        rejects_by_reason=dict(sorted(Counter(tables["rejects"]["reason"].to_pylist()).items())),
    )
    summary.seconds = time.perf_counter() - started
    if strict and summary.rejects:
        raise StrictError(summary, tables["rejects"].slice(0, 10).to_pylist())
    tables.update(pixel_tables(tables, pixel_progress, settings.workers) if pixels else empty_pixel_tables())
    summary.pixels = pixels
    tables["build_info"] = _build_info(summary)
    staging = staging_dir(out)
    try:
        write_tables(tables, staging, settings)
        summary.checks = audit(staging, expect_published)
        publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _build_info(summary: BuildSummary) -> pa.Table:
    row = {
        "tool_version": __version__, "source": summary.source, "source_kind": summary.source_kind,
        "synthetic": summary.synthetic, "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files_read": summary.files_read, "objects_read": summary.objects_read, "pixels": summary.pixels,
        "seconds": summary.seconds,
    }
    return pa.Table.from_pylist([row], schema=schemas.BUILD_INFO)
