"""What an export reports back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

Progress = Callable[[int, int], None]


@dataclass
class ExportSummary:
    format: str
    out: Path
    files: int  # annotation files written
    images: int
    objects: int  # accepted objects written
    rejected_objects: int  # objects written back from `rejects.raw` (the source's rejected objects)
    seconds: float = 0.0
