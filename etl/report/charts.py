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
SMALL_FONT = 10.5
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
    label_width: int | None = None,
    width: int = 560,
    log: bool = False,
    splits: list[str] | None = None,
) -> str:
    """Horizontal bars, one per (label, value, colour), value printed at the bar's end.

    With `splits`, each bar is tagged with its split so the page's split filter can hide it. On a
    log scale the axis gets a labelled tick per power of ten, equally spaced.
    """
    bar, gap = 16, 4
    label_width = label_width or text_width(max((label for label, _, _ in rows), key=len, default=""), FONT) + 12
    width = max(width, label_width + 240)
    top = max((value for _, value, _ in rows), default=1) or 1
    span = width - label_width - 70
    axis_y = len(rows) * (bar + gap) + 4
    height = axis_y + (40 if log else 26)
    # a true log axis (not log(1 + x), which squeezes every value under 1 against the axis) that
    # starts half a decade below the smallest bar, so the smallest bar still shows
    smallest = min((value for _, value, _ in rows if value > 0), default=top)
    origin = 10 ** (math.floor(math.log10(smallest)) - 0.5)

    def scale(value: float) -> float:
        if log:
            return span * math.log10(value / origin) / math.log10(top / origin) if value > 0 else 0.0
        return span * value / top

    parts = [_svg_open(width, height, f"bar chart, {unit}")]
    for i, (label, value, color) in enumerate(rows):
        y = i * (bar + gap)
        length = max(scale(value), 1 if value else 0)
        tag = f' data-split="{escape(splits[i])}"' if splits else ""
        parts.append(
            f"<g{tag}>"
            f'<text x="{label_width - 6}" y="{y + bar - 4}" text-anchor="end" class="lbl">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" rx="2" fill="{color}">'
            f"<title>{escape(label)}: {fmt(value, digits)} {escape(unit)}</title></rect>"
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar - 4}" class="val">{fmt(value, digits)}</text>'
            "</g>"
        )
    if log:
        parts.append(
            f'<line x1="{label_width}" x2="{label_width + span}" y1="{axis_y}" y2="{axis_y}" stroke="{MUTED}"/>'
        )
        for tick in _decades(origin, top):
            x = label_width + scale(tick)
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_y}" y2="{axis_y + 4}" stroke="{MUTED}"/>'
                f'<text x="{x:.1f}" y="{axis_y + 15}" text-anchor="middle" class="axis">{_tick_label(tick)}</text>'
            )
    parts.append(
        f'<text x="{label_width}" y="{height - 4}" class="axis">{escape(unit)}'
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
    # room for the longest labels, so none is clipped: rotated by 60 degrees, a column label needs
    # sin(60) of its length above the cells and cos(60) to the right of its column
    longest_col = max((text_width(name, SMALL_FONT) for name in col_labels[::col_every]), default=0)
    label_width = max(label_width, text_width(max(row_labels, key=len, default=""), SMALL_FONT) + 12)
    col_label_height = max(col_label_height, round(longest_col * 0.87) + 12)
    width = max(label_width + cols * cw + round(longest_col * 0.5) + 12, label_width + 400)
    height = col_label_height + rows * cell + 42  # the legend under the cells, its labels' descent included
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


def log_histogram(
    points: list[tuple[int, int]],
    color: str,
    x_unit: str,
    y_unit: str,
    x_max: int,
    bin_size: int,
    width: int = 600,
    height: int = 170,
    y_max: int | None = None,
) -> str:
    """Vertical bars of (x, count) in bins of `bin_size` up to `x_max`, counts on a log scale with a
    tick per power of ten; panels drawn with the same x_max, bins and y_max share their axes."""
    counts = binned(points, bin_size)
    if not counts:
        return "<p class='muted'>no images</p>"
    bins = x_max // bin_size + 1
    y_max = max(y_max or 0, max(counts.values()))
    left, bottom, top_pad = 46, 34, 10
    step = (width - left - 10) / bins
    plot_h = height - bottom - top_pad
    levels = math.log10(1 + max(y_max, 10))

    def y_of(count: float) -> float:
        return height - bottom - plot_h * math.log10(1 + count) / levels

    parts = [_svg_open(width, height, f"histogram, {y_unit} by {x_unit}, log scale")]
    for tick in _log_ticks(max(y_max, 10)):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" class="axis">{_tick_label(tick)}</text>'
        )
    for b, count in sorted(counts.items()):
        lo, hi = b * bin_size, b * bin_size + bin_size - 1
        span = f"{lo}" if bin_size == 1 else f"{lo}–{hi}"
        y = y_of(count)
        parts.append(
            f'<rect x="{left + b * step + 0.5:.2f}" y="{y:.2f}" width="{max(step - 1, 1):.2f}" '
            f'height="{height - bottom - y:.2f}" fill="{color}"><title>{fmt(count, 0)} {escape(y_unit)} with '
            f"{span} {escape(x_unit)}</title></rect>"
        )
    parts.append(
        f'<line x1="{left}" x2="{width - 10}" y1="{height - bottom}" y2="{height - bottom}" stroke="{MUTED}"/>'
    )
    for tick in _ticks(x_max):
        x = left + (tick / bin_size) * step
        parts.append(
            f'<text x="{x:.1f}" y="{height - bottom + 14}" text-anchor="middle" class="axis">{fmt(tick, 0)}</text>'
        )
    parts.append(
        f'<text x="{width - 10}" y="{height - 4}" text-anchor="end" class="axis">{escape(x_unit)} →</text>'
        f'<text x="{left}" y="{height - 4}" class="axis">{escape(y_unit)}, log scale ↑</text></svg>'
    )
    return "".join(parts)


def binned(points: list[tuple[int, int]], bin_size: int) -> dict[int, int]:
    """(x, count) pairs summed into bins of `bin_size`: bin b holds x from b * bin_size on."""
    counts: dict[int, int] = {}
    for x, y in points:
        counts[x // bin_size] = counts.get(x // bin_size, 0) + y
    return counts


def colour_bar(width: int = 256, fractions: tuple[float, ...] = (0, 0.05, 0.25, 0.5, 1)) -> str:
    """The heatmaps' colour scale: viridis over the square root of the share of a panel's peak."""
    steps = 64
    ramp = cv2.applyColorMap(np.linspace(0, 255, steps).astype(np.uint8).reshape(-1, 1), cv2.COLORMAP_VIRIDIS)
    parts = [_svg_open(width + 60, 40, "colour scale of the heatmaps")]
    for i, (b, g, r) in enumerate(ramp[:, 0].tolist()):
        parts.append(
            f'<rect x="{10 + i * width / steps:.2f}" y="0" width="{width / steps + 0.5:.2f}" height="12" '
            f'fill="#{r:02x}{g:02x}{b:02x}"/>'
        )
    for fraction in fractions:
        x = 10 + width * math.sqrt(fraction)
        label = "peak" if fraction == 1 else ("0" if fraction == 0 else f"{fraction:.0%}")
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="12" y2="16" stroke="{MUTED}"/>'
            f'<text x="{x:.1f}" y="28" text-anchor="middle" class="axis">{label}</text>'
        )
    parts.append("</svg>")
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


def text_width(text: str, size: float) -> int:
    """A generous estimate of a label's width in the page's sans-serif font, to size charts so
    nothing is clipped (0.62 em per character covers wide letters and digits)."""
    return math.ceil(len(text) * size * 0.62)


def _log_ticks(top: float) -> list[int]:
    return [10**e for e in range(int(math.log10(max(top, 1))) + 1)]


def _decades(low: float, high: float) -> list[float]:
    """The powers of ten from `low` to `high`, both included when they are one."""
    first, last = math.ceil(math.log10(low) - 1e-9), math.floor(math.log10(high) + 1e-9)
    return [10.0**e if e < 0 else 10**e for e in range(first, last + 1)]


def _tick_label(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:g}M"
    return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"


def _ticks(top: float, count: int = 4) -> list[float]:
    if top <= 0:
        return [0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return [step * i for i in range(int(top // step) + 1)]
