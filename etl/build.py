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
from .config import Settings
from .parse import image_id_of, parse_file
from .sources import open_source
from .store import publish, staging_dir, write_tables
from .tables import TableBuilder


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
          strict: bool = False) -> BuildSummary:
    """Write, audit, publish: the warehouse at `out` is replaced only by one that passed its checks.

    With `strict`, any reject (an object or file that cannot be loaded) fails the build instead.
    """
    started = time.perf_counter()
    settings = settings or Settings()
    src = open_source(source)
    total = src.count()
    builder = TableBuilder()
    first_seen: dict[str, str] = {}  # image_id -> the file that gave it, to reject a second copy
    for done, file in enumerate(src.files(), 1):
        image_id = image_id_of(file.file_name)
        duplicate_of = first_seen.get(image_id) if image_id else None
        parsed = parse_file(file, duplicate_of)
        if parsed.image is not None:
            first_seen.setdefault(parsed.image["image_id"], file.source_path)
        builder.add(parsed)
        if progress:
            progress(done, total)
    tables = builder.finish()
    summary = BuildSummary(
        out=out, source=str(source), source_kind=src.kind, synthetic=src.synthetic, files_read=total,
        images=tables["images"].num_rows, objects=tables["objects"].num_rows,
        objects_read=builder.objects_read,
        rejects_by_reason=dict(sorted(Counter(r["reason"] for r in builder.rejects).items())),
    )
    summary.seconds = time.perf_counter() - started
    if strict and summary.rejects:
        raise StrictError(summary, builder.rejects[:10])
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
        "files_read": summary.files_read, "objects_read": summary.objects_read, "seconds": summary.seconds,
    }
    return pa.Table.from_pylist([row], schema=schemas.BUILD_INFO)
