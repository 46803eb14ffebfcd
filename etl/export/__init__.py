"""Exports of a built warehouse: the raw gtFine layout, a Supervisely project, COCO instances.

Each exporter reads the warehouse in bulk (see snapshot.py), writes into a staging folder and
renames it to OUT when complete, and reports `progress(done, total)` per image.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from ..formats import EXPORT_FORMATS
from .coco import export_coco
from .gtfine import export_gtfine
from .snapshot import ExportError
from .summary import ExportSummary, Progress
from .supervisely import export_supervisely

EXPORTERS = dict(zip(EXPORT_FORMATS, (export_gtfine, export_supervisely, export_coco), strict=True))

__all__ = ["EXPORTERS", "ExportError", "ExportSummary", "export", "export_coco", "export_gtfine", "export_supervisely"]


def export(
    warehouse: str | PathLike, fmt: str, out: str | Path, split: str | None = None, progress: Progress | None = None
) -> ExportSummary:
    """Write the warehouse directory (or one split of it) to OUT in `fmt`: gtfine, supervisely or coco."""
    if fmt not in EXPORTERS:
        raise ExportError(f"unknown export format '{fmt}'; choose one of {', '.join(EXPORTERS)}")
    return EXPORTERS[fmt](warehouse, out, split, progress)
