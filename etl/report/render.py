"""render_report: a built warehouse -> one self-contained HTML page."""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path

from ..progress import stage
from .database import report_connection
from .facts import read_facts
from .page import render_page


@stage("writing the report")
def render_report(warehouse: str | PathLike, out: Path, progress: Callable[[int, int], None] | None = None) -> Path:
    """Write the report for the warehouse directory `warehouse` to `out`; returns `out`.

    The page needs no network: data, charts (SVG, PNG data URIs), styles and script are inline.
    `progress` reports the pixel stage when the warehouse was built without its tables.
    """
    con = report_connection(warehouse, progress=progress)
    try:
        facts = read_facts(con)
    finally:
        con.close()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_page(facts), encoding="utf-8")
    return out
