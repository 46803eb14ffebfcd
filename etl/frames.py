"""Results as text: tables that fit the terminal's width, CSV, valid JSON (polars DataFrames in).

A terminal table shows every value in a few characters: geometry as its kind and size instead of
WKB hex, vertex lists as their first points and length, long text cut with an ellipsis, and as
many columns as fit the width (the footer names the others). CSV and JSON keep every value whole.
"""

from __future__ import annotations

import json
import math
import textwrap
from decimal import Decimal
from typing import TextIO

import polars as pl
import shapely

MAX_CELL = 48  # a value wider than this is cut in a table, even on a wide terminal
MIN_CELL = 8  # columns are narrowed down to this before any is left out
SHOWN_VERTICES = 3
WRITE_PIECE_CHARS = 1 << 20
_DAYS_SHOWN = 91_250_000  # about 250,000 years either side of 1970: what polars can print
# Control characters (C0 but the line break, DEL, C1) as escapes in a table: values come from the
# data, and an ESC sequence in a label or file name would otherwise be run by the terminal.
_CONTROLS_SHOWN = {c: f"\\x{c:02x}" for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)] if c != 0x0A}


def print_frame(df: pl.DataFrame, fmt: str, out: TextIO, width: int | None = None, more: bool = False) -> None:
    """Write `df` as a table (fitted to `width`), CSV or JSON; `more` says rows were left out."""
    df = _temporal_as_text(df)
    if fmt == "csv":
        text = _as_text_columns(df, nested=True).write_csv()
    elif fmt == "json":
        rows = _as_text_columns(df, nested=False).to_dicts()
        text = json.dumps(_json_safe(rows), indent=1, allow_nan=False) + "\n"
    else:
        text = render_table(df, width, more)
    _write_in_pieces(out, text)


def _write_in_pieces(out: TextIO, text: str) -> None:
    # One write of a large text to a pipe whose reader leaves (`| head`) ends after the part the pipe
    # took, with no error (CPython's buffered writer takes the partial write as the end), so the
    # command exited 0 as if all was written. Written in pieces, the next piece raises BrokenPipeError.
    for start in range(0, len(text), WRITE_PIECE_CHARS):
        out.write(text[start : start + WRITE_PIECE_CHARS])


def render_table(df: pl.DataFrame, width: int | None = None, more: bool = False) -> str:
    columns = [(_visible(name), [_visible(cell) for cell in _cells(df[name])]) for name in df.columns]
    numeric = [df.schema[name].is_numeric() for name in df.columns]
    widths = [_natural_width(name, cells) for name, cells in columns]
    shown = _fit(widths, width)
    lines = _draw([columns[i] for i in shown], [widths[i] for i in shown], [numeric[i] for i in shown])
    rows = f"{df.height} row{'s' if df.height != 1 else ''}"
    if more:
        rows = f"the first {rows} shown; there are more: --limit N or --all to see them, or --format csv"
    hidden = [_visible(name) for i, name in enumerate(df.columns) if i not in shown]
    if hidden:
        rows += (
            f"; {len(hidden)} more column{'s' if len(hidden) != 1 else ''} not shown: {', '.join(hidden)} "
            "(widen the terminal, select fewer columns, or use --format csv)"
        )
    footer = f"({rows})"
    return "\n".join(lines + (textwrap.wrap(footer, width) if width else [footer])) + "\n"


def _visible(text: str) -> str:
    return text.translate(_CONTROLS_SHOWN)


def _natural_width(name: str, cells: list[str]) -> int:
    values = max((len(line) for cell in cells for line in cell.split("\n")), default=0)
    pieces = max(len(piece) for piece in _header_pieces(name))
    return max(1, min(MAX_CELL, max(values, min(len(name), max(pieces, values)))))


def _fit(widths: list[int], width: int | None) -> list[int]:
    """Which columns to show, narrowing `widths` in place so the table is at most `width` wide."""
    shown = list(range(len(widths)))
    if width is None:
        return shown

    def total(ws: list[int]) -> int:
        return sum(ws) + 3 * len(ws) + 1

    while len(shown) > 1 and total([min(widths[i], MIN_CELL) for i in shown]) > width:
        shown.pop()
    # the widest columns give way first, none below MIN_CELL (or its own width)
    cap = max((widths[i] for i in shown), default=0)
    while cap > MIN_CELL and total([min(widths[i], cap) for i in shown]) > width:
        cap -= 1
    for i in shown:
        widths[i] = min(widths[i], cap)
    return shown


def _draw(columns: list[tuple[str, list[str]]], widths: list[int], numeric: list[bool]) -> list[str]:
    headers = [_wrap_header(name, w) for (name, _), w in zip(columns, widths, strict=True)]
    lines = ["┌" + "┬".join("─" * (w + 2) for w in widths) + "┐"]
    lines += _draw_row(headers, widths, [False] * len(widths))
    lines.append("╞" + "╪".join("═" * (w + 2) for w in widths) + "╡")
    height = len(columns[0][1]) if columns else 0
    for r in range(height):
        cells = [cells[r].split("\n") for _, cells in columns]
        lines += _draw_row(cells, widths, numeric)
    lines.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    return lines


def _draw_row(cells: list[list[str]], widths: list[int], right: list[bool]) -> list[str]:
    height = max((len(c) for c in cells), default=1)
    out = []
    for k in range(height):
        parts = []
        for cell, w, r in zip(cells, widths, right, strict=True):
            text = _cut(cell[k] if k < len(cell) else "", w)
            parts.append(text.rjust(w) if r else text.ljust(w))
        out.append("│ " + " ┆ ".join(parts) + " │")
    return out


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _header_pieces(name: str) -> list[str]:
    parts = name.split("_")
    return [p + "_" for p in parts[:-1]] + [parts[-1]]


def _wrap_header(name: str, width: int) -> list[str]:
    """A long column name over several lines, broken after its underscores."""
    lines = [""]
    for piece in _header_pieces(name):
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append("")
        lines[-1] += piece
    return lines


def _cells(series: pl.Series) -> list[str]:
    dtype = series.dtype
    if dtype == pl.Binary:
        return [_geometry_text(v) for v in series.to_list()]
    if dtype.is_float():
        return [_float_text(v) for v in series.to_list()]
    if dtype.is_nested():
        return [_nested_text(v) for v in series.to_list()]
    if dtype == pl.Boolean:
        return ["null" if v is None else str(v).lower() for v in series.to_list()]
    return ["null" if v is None else str(v) for v in series.to_list()]


def _float_text(value: float | None) -> str:
    if value is None:
        return "null"
    if math.isnan(value) or math.isinf(value):
        return str(value)
    return f"{value:.4f}".rstrip("0").rstrip(".") if abs(value) < 1e15 else f"{value:.6g}"


def _geometry_text(value: bytes | None) -> str:
    """WKB as its kind and size ("Polygon, 12 vertices, 1 hole"); other bytes as their count."""
    if value is None:
        return "null"
    try:
        geometry = shapely.from_wkb(value)
    except Exception:  # noqa: BLE001  (any bytes at all may arrive here: they are not WKB then)
        return f"<{len(value)} bytes>"
    vertices = shapely.get_num_coordinates(geometry)
    holes = sum(shapely.get_num_interior_rings(p) for p in getattr(geometry, "geoms", [geometry]))
    hole_text = f", {holes} hole{'s' if holes != 1 else ''}" if holes else ""
    return f"{geometry.geom_type}, {vertices} vertices{hole_text}"


def _nested_text(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, list) and value and all(isinstance(v, dict) and set(v) == {"x", "y"} for v in value):
        points = " ".join(f"({v['x']},{v['y']})" for v in value[:SHOWN_VERTICES])
        rest = f" … {len(value)} vertices" if len(value) > SHOWN_VERTICES else ""
        return f"{points}{rest}"
    text = json.dumps(_json_safe(value), default=str, separators=(",", ":"))
    if isinstance(value, list) and len(text) > MAX_CELL:
        return f"{text[: MAX_CELL - 12]}… {len(value)} items"
    return text


def _temporal_as_text(df: pl.DataFrame) -> pl.DataFrame:
    """Dates and timestamps as text, with DuckDB's infinities and far years spelled out (polars cannot print them)."""
    replaced = [_temporal_text(df[name]) for name, dtype in df.schema.items() if dtype in (pl.Date, pl.Datetime)]
    return df.with_columns(replaced) if replaced else df


def _temporal_text(series: pl.Series) -> pl.Series:
    physical = series.to_physical()
    if series.dtype == pl.Date:
        infinity, limit = 2**31 - 1, _DAYS_SHOWN
    else:
        infinity = 2**63 - 1
        per_day = {"ns": None, "us": 86_400_000_000, "ms": 86_400_000}[series.dtype.time_unit]
        limit = infinity if per_day is None else _DAYS_SHOWN * per_day
    printable = (physical.abs() <= limit) & (physical.abs() != infinity)
    text = pl.select(pl.when(printable).then(series)).to_series().cast(pl.String)
    return (
        pl.select(
            pl.when(physical == infinity)
            .then(pl.lit("infinity"))
            .when(physical == -infinity)
            .then(pl.lit("-infinity"))
            .when(~printable)
            .then(pl.lit("out of range"))
            .otherwise(text)
        )
        .to_series()
        .alias(series.name)
    )


def _as_text_columns(df: pl.DataFrame, nested: bool) -> pl.DataFrame:
    """Binary values become hex; with `nested`, lists and structs become JSON text (CSV has neither)."""
    replaced = []
    for name, dtype in df.schema.items():
        if nested and dtype.is_nested():
            values = [json.dumps(_json_safe(v), default=str, allow_nan=False) for v in df[name].to_list()]
            replaced.append(pl.Series(name, values, pl.String))
        elif dtype == pl.Binary:
            replaced.append(pl.Series(name, [None if v is None else v.hex() for v in df[name].to_list()], pl.String))
    return df.with_columns(replaced) if replaced else df


def _json_safe(value):
    """JSON has no NaN or infinity (null stands for them) and no decimal type (a number does)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, str | int | bool):
        return value
    return str(value)
