"""Small inline SVG charts and PNG heatmaps: no library, no network, readable without JavaScript.

Every chart states its unit in a caption; hovering any mark shows its exact value (SVG <title>).
"""

from __future__ import annotations

import base64
import math
from html import escape

import cv2
import numpy as np

FONT = 12
INK = "#1d2433"
MUTED = "#6a7385"
GRID = "#e6e9ef"


def fmt(value: float | int | None, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, int) or float(value).is_integer() and digits == 0:
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def hbar_chart(
    rows: list[tuple[str, float, str]],
    unit: str,
    digits: int = 0,
    label_width: int = 150,
    width: int = 560,
    log: bool = False,
) -> str:
    """Horizontal bars, one per (label, value, colour), value printed at the bar's end."""
    bar, gap = 16, 4
    height = len(rows) * (bar + gap) + 26
    top = max((value for _, value, _ in rows), default=1) or 1
    span = width - label_width - 70

    def scale(value: float) -> float:
        if log:
            return span * math.log10(1 + value) / math.log10(1 + top)
        return span * value / top

    parts = [_svg_open(width, height, f"bar chart, {unit}")]
    for i, (label, value, color) in enumerate(rows):
        y = i * (bar + gap)
        length = max(scale(value), 1 if value else 0)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar - 4}" text-anchor="end" class="lbl">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" rx="2" fill="{color}">'
            f"<title>{escape(label)}: {fmt(value, digits)} {escape(unit)}</title></rect>"
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar - 4}" class="val">{fmt(value, digits)}</text>'
        )
    axis_y = len(rows) * (bar + gap) + 14
    parts.append(
        f'<text x="{label_width}" y="{axis_y}" class="axis">{escape(unit)}'
        f"{' (log scale)' if log else ''} →</text></svg>"
    )
    return "".join(parts)


def matrix_chart(
    row_labels: list[str],
    col_labels: list[str],
    values: np.ndarray,
    unit: str,
    cell: int = 13,
    label_width: int = 140,
    log: bool = True,
    col_label_height: int = 110,
    col_every: int = 1,
    cell_width: int | None = None,
) -> str:
    """A heatmap of a matrix: colour by value (log scale, or square root), exact value on hover."""
    rows, cols = values.shape
    cw = cell_width or cell
    width = max(label_width + cols * cw + 10, label_width + 400)
    height = col_label_height + rows * cell + 36
    top = float(values.max()) if values.size else 1.0
    parts = [_svg_open(width, height, f"heatmap, {unit}")]
    for j, name in enumerate(col_labels):
        if j % col_every:
            continue
        x = label_width + j * cw + cw / 2 + 4
        parts.append(
            f'<text transform="translate({x:.1f},{col_label_height - 4}) rotate(-60)" '
            f'class="lbl small">{escape(name)}</text>'
        )
    for i, name in enumerate(row_labels):
        y = col_label_height + i * cell
        parts.append(
            f'<text x="{label_width - 5}" y="{y + cell - 3}" text-anchor="end" class="lbl small">{escape(name)}</text>'
        )
        for j in range(cols):
            value = float(values[i, j])
            level = _level(value, top, log)
            parts.append(
                f'<rect x="{label_width + j * cw}" y="{y}" width="{max(cw - 1, 1)}" height="{cell - 1}" '
                f'fill="{_ramp(level) if value else "#f3f4f7"}"><title>{escape(name)} × '
                f"{escape(col_labels[j])}: {fmt(value, 0)} {escape(unit)}</title></rect>"
            )
    legend_y = col_label_height + rows * cell + 14
    parts.append(_legend(label_width, legend_y, top, unit, log))
    parts.append("</svg>")
    return "".join(parts)


def histogram_chart(
    series: list[tuple[str, str, list[tuple[int, int]]]], x_unit: str, y_unit: str, width: int = 600, height: int = 220
) -> str:
    """Stacked vertical bars over an integer axis, one colour per (name, colour, [(x, y)]) series."""
    totals: dict[int, int] = {}
    for _, _, points in series:
        for x, y in points:
            totals[x] = totals.get(x, 0) + y
    if not totals:
        return "<p class='muted'>no data</p>"
    x_max, y_max = max(totals), max(totals.values()) or 1
    left, bottom, top_pad = 46, 30, 24
    step = (width - left - 10) / (x_max + 1)
    plot_h = height - bottom - top_pad
    parts = [_svg_open(width, height, f"histogram, {y_unit} by {x_unit}")]
    for tick in _ticks(y_max):
        y = height - bottom - plot_h * tick / y_max
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">{fmt(tick, 0)}</text>'
        )
    stacked: dict[int, int] = {}
    for name, color, points in series:
        for x, y in points:
            below = stacked.get(x, 0)
            stacked[x] = below + y
            bar_h, base = plot_h * y / y_max, plot_h * below / y_max
            parts.append(
                f'<rect x="{left + x * step:.2f}" y="{height - bottom - base - bar_h:.2f}" '
                f'width="{max(step - 0.5, 0.8):.2f}" height="{bar_h:.2f}" fill="{color}">'
                f"<title>{escape(name)}: {fmt(y, 0)} {escape(y_unit)} with {fmt(x, 0)} "
                f"{escape(x_unit)}</title></rect>"
            )
    for tick in _ticks(x_max):
        x = left + tick * step + step / 2
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 14}" text-anchor="middle" class="axis">{fmt(tick, 0)}</text>'
        )
    legend = "".join(
        f'<rect x="{width - 10 - 70 * (len(series) - i)}" y="2" width="10" height="10" fill="{color}"/>'
        f'<text x="{width - 10 - 70 * (len(series) - i) + 14}" y="11" class="axis">{escape(name)}</text>'
        for i, (name, color, _) in enumerate(series)
    )
    parts.append(
        f'{legend}<text x="{width - 10}" y="{height - 2}" text-anchor="end" class="axis">'
        f'{escape(x_unit)} →</text><text x="4" y="11" class="axis">↑ {escape(y_unit)}</text></svg>'
    )
    return "".join(parts)


def heatmap_png(cells: np.ndarray, scale: int = 4) -> str:
    """A per-class spatial heatmap as a data: URI PNG, brighter where more objects cover a pixel."""
    top = float(cells.max()) or 1.0
    levels = np.sqrt(cells / top)  # square root: rare but present coverage stays visible
    image = cv2.applyColorMap((levels * 255).astype(np.uint8), cv2.COLORMAP_VIRIDIS)
    image = cv2.resize(image, (cells.shape[1] * scale, cells.shape[0] * scale), interpolation=cv2.INTER_NEAREST)
    ok, png = cv2.imencode(".png", image)
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode() if ok else ""


def _svg_open(width: int, height: int, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
    )


def _level(value: float, top: float, log: bool) -> float:
    if top <= 0 or value <= 0:
        return 0.0
    return math.log1p(value) / math.log1p(top) if log else math.sqrt(value / top)


def _ramp(level: float) -> str:
    """A light-to-dark blue-violet ramp, readable in print and for common colour blindness."""
    stops = [(0.0, (232, 240, 254)), (0.35, (120, 170, 236)), (0.7, (58, 82, 196)), (1.0, (33, 21, 96))]
    for (l0, c0), (l1, c1) in zip(stops, stops[1:], strict=False):
        if level <= l1:
            t = (level - l0) / (l1 - l0)
            r, g, b = (round(a + (b - a) * t) for a, b in zip(c0, c1, strict=True))
            return f"#{r:02x}{g:02x}{b:02x}"
    return "#211560"


def _legend(x: int, y: int, top: float, unit: str, log: bool) -> str:
    steps = 40
    parts = [
        f'<rect x="{x + i * 4}" y="{y}" width="4" height="8" fill="{_ramp(i / (steps - 1))}"/>' for i in range(steps)
    ]
    parts.append(
        f'<text x="{x}" y="{y + 20}" class="axis">0</text>'
        f'<text x="{x + steps * 4}" y="{y + 20}" text-anchor="end" class="axis">{fmt(top, 0)}</text>'
        f'<text x="{x + steps * 4 + 8}" y="{y + 8}" class="axis">{escape(unit)}'
        f"{' (log colour scale)' if log else ' (square-root colour scale)'}</text>"
    )
    return "".join(parts)


def _ticks(top: float, count: int = 4) -> list[float]:
    if top <= 0:
        return [0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(int(top // step) + 1)]
