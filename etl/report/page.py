"""The report as one self-contained HTML page: inline CSS, SVG, PNG data URIs and a few lines of JS."""

from __future__ import annotations

from html import escape

import numpy as np

from ..display import BANNER
from ..pixels import CELL_PX
from .charts import binned, colour_bar, fmt, hbar_chart, heatmap_png, log_histogram, matrix_chart
from .facts import ReportFacts
from .gallery import INVALID_RGB, OUT_OF_BOUNDS_RGB
from .label_images import label_images_section

# The page may load nothing: any request it tried would be refused and reported on the console.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
SPLIT_COLORS = {"train": "#3b6fd8", "val": "#e08a1e", "test": "#8a94a6"}
HISTOGRAM_BINS = 40  # objects-per-image bars stay several pixels wide whatever the largest count
TITLE = "Cityscapes warehouse report"

CSS = """
:root { --ink:#1d2433; --muted:#6a7385; --line:#e6e9ef; --card:#fff; --bg:#f6f7fb;
        --accent:#3b6fd8; }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; color:var(--ink);
       background:var(--bg); }
header { padding:28px 40px 18px; background:#fff; border-bottom:1px solid var(--line); }
header h1 { margin:0 0 4px; font-size:24px; }
header p { margin:0; color:var(--muted); }
.banner { background:#b42318; color:#fff; font-weight:700; letter-spacing:.02em; padding:10px 40px; }
nav { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line); padding:8px 40px; }
nav a { color:var(--accent); text-decoration:none; margin-right:16px; font-size:13px; }
main { padding:22px 40px 60px; max-width:1400px; }
section { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 22px;
          margin:0 0 20px; }
section h2 { margin:0 0 2px; font-size:18px; }
.caption { color:var(--muted); margin:0 0 12px; font-size:13px; }
.kpis { display:grid; grid-template-columns:repeat(auto-fill,minmax(150px,1fr)); gap:12px; }
.kpi { background:#fff; border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.kpi b { display:block; font-size:22px; }
.kpi span { color:var(--muted); font-size:12px; }
.cols { display:flex; flex-wrap:wrap; gap:28px; align-items:flex-start; }
table { border-collapse:collapse; font-size:12.5px; }
th, td { padding:3px 8px; border-bottom:1px solid var(--line); text-align:right; white-space:nowrap; }
th { color:var(--muted); font-weight:600; cursor:pointer; user-select:none; position:sticky;
     top:var(--nav-height, 36px); background:#fff; }
td:first-child, th:first-child { text-align:left; }
.swatch { display:inline-block; width:10px; height:10px; border-radius:2px; margin-right:6px; vertical-align:-1px; }
.scroll { max-height:560px; overflow:auto; }
.scroll th { top:0; }
svg text { fill:var(--ink); font-size:12px; }
svg text.small { font-size:10.5px; }
svg text.val, svg text.axis { fill:var(--muted); font-size:11px; }
.heatmaps { display:grid; grid-template-columns:repeat(auto-fill,minmax(270px,1fr)); gap:14px; }
.heatmaps figure { margin:0; }
.heatmaps img { width:256px; height:128px; image-rendering:pixelated; border:1px solid var(--line); border-radius:4px; }
.heatmaps figcaption { font-size:12px; color:var(--muted); }
.heatmaps figcaption b { color:var(--ink); }
.muted { color:var(--muted); }
.good { color:#067647; } .warn { color:#b42318; }
svg { overflow:visible; }
nav { display:flex; flex-wrap:wrap; align-items:center; row-gap:4px; }
nav label { margin-left:auto; font-size:13px; color:var(--muted); }
nav select { font:inherit; margin-left:4px; }
.table-tools { margin:2px 0 4px; }
button.csv { font:12px system-ui,sans-serif; border:1px solid var(--line); background:#fff; border-radius:5px;
             padding:2px 8px; cursor:pointer; color:var(--accent); }
.gallery { display:flex; flex-wrap:wrap; gap:14px; }
.gallery figure { margin:0; width:512px; }
.gallery img { width:512px; border-radius:4px; display:block; }
.gallery figcaption { font-size:12px; color:var(--muted); }
.hidden-by-filter { display:none !important; }
.split-note { color:var(--muted); font-size:12px; }
/* a chart wider than a narrow window scrolls sideways inside its section instead of running out of it */
.wide { overflow-x:auto; max-width:100%; }
.cols > div { min-width:0; max-width:100%; }
.colour-scale { position:sticky; top:var(--nav-height, 36px); z-index:1; background:#fff; padding:6px 0 2px; }
"""

# Sorts any table by a click on its header; marks the page ready for the browser test.
SCRIPT = """
function cellValue(cell) {
  return cell.dataset.v !== undefined ? cell.dataset.v : cell.textContent.trim();
}
// Numbers carry their raw value in data-v ("52748" for "52,748"); text sorts as text.
document.querySelectorAll("table.sortable th").forEach(function (th) {
  th.addEventListener("click", function () {
    var column = th.cellIndex;
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var descending = th.dataset.order !== "desc";
    th.closest("tr").querySelectorAll("th").forEach(function (other) { delete other.dataset.order; });
    th.dataset.order = descending ? "desc" : "asc";
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[column]), y = cellValue(b.cells[column]);
      var nx = Number(x), ny = Number(y);
      var numeric = x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny);
      var order = numeric ? nx - ny : x.localeCompare(y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
// The split filter hides what belongs to other splits: data-split names an element's split,
// data-only marks one shown only when its split is chosen, data-all one shown only for all splits.
function applySplit(split) {
  document.querySelectorAll("[data-split], [data-all]").forEach(function (el) {
    var shown = split === "" ? !el.hasAttribute("data-only")
                             : !el.hasAttribute("data-all") && el.dataset.split === split;
    el.classList.toggle("hidden-by-filter", !shown);
  });
  document.body.dataset.split = split;
}
var filter = document.getElementById("split-filter");
if (filter) { filter.addEventListener("change", function () { applySplit(filter.value); }); }
applySplit("");
// CSV of a table as shown (rows the filter hides are left out), raw numbers rather than "52,748".
function tableCsv(table) {
  function quote(text) { return /[",\\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text; }
  var lines = [];
  Array.prototype.forEach.call(table.rows, function (row) {
    if (row.classList.contains("hidden-by-filter")) { return; }
    lines.push(Array.prototype.map.call(row.cells, function (c) { return quote(cellValue(c)); }).join(","));
  });
  return lines.join("\\n") + "\\n";
}
document.querySelectorAll("button.csv").forEach(function (button) {
  button.addEventListener("click", function () {
    var table = document.getElementById(button.dataset.table);
    var link = document.createElement("a");
    link.href = "data:text/csv;charset=utf-8," + encodeURIComponent(tableCsv(table));
    var split = document.body.dataset.split;
    link.download = button.dataset.table + (split ? "-" + split : "") + ".csv";
    link.click();
  });
});
// Sticky things stop under the navigation bar, whose height depends on how its links wrap.
function measureNav() {
  var nav = document.querySelector("nav");
  document.documentElement.style.setProperty("--nav-height", nav.offsetHeight + "px");
}
measureNav();
window.addEventListener("resize", measureNav);
document.body.dataset.ready = "1";
"""


def render_page(facts: ReportFacts) -> str:
    info, totals = facts.info, facts.totals
    sections = [
        _overview(facts),
        _gallery(facts),
        _class_balance(facts),
        _cooccurrence(facts),
        _objects_distribution(facts),
        _class_sizes(facts),
        _spatial(facts),
        _visibility(facts),
        _quality(facts),
        label_images_section(facts.label_image_mismatches),
        _method(),
    ]
    nav = "".join(f'<a href="#{anchor}">{escape(title)}</a>' for anchor, title, _ in sections)
    splits = "".join(f'<option value="{escape(s["split"])}">{escape(s["split"])}</option>' for s in facts.splits)
    nav += (
        f'<label title="{escape(FILTER_NOTE)}">split <select id="split-filter"><option value="">all</option>'
        f"{splits}</select></label>"
    )
    body = "".join(
        f'<section id="{anchor}"><h2>{escape(title)}</h2>{html}</section>' for anchor, title, html in sections
    )
    synthetic = bool(info.get("synthetic"))
    banner = f'<div class="banner" id="synthetic-banner">{escape(BANNER)}</div>' if synthetic else ""
    title = f"SYNTHETIC DATA · {TITLE}" if synthetic else TITLE
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body>{banner}
<header><h1>Cityscapes gtFine: dataset report</h1>
<p>{fmt(totals["images"], 0)} images · {fmt(totals["objects"], 0)} objects · {totals["labels"]} classes ·
built {escape(str(info.get("built_at", "")))} from <code>{escape(str(info.get("source", "")))}</code>
({escape(str(info.get("source_kind", "")))}) with cityscapes-warehouse {escape(str(info.get("tool_version", "")))}</p>
</header><nav>{nav}</nav><main>{body}</main>
<script>{SCRIPT}</script></body></html>
"""


FILTER_NOTE = (
    "The split filter applies to the gallery, the images per city, the class balance table and the "
    "objects per image; the other sections count every split."
)


def _td(value: object, digits: int = 0) -> str:
    """A table cell; a number keeps its raw value in data-v, for sorting and the CSV download."""
    if isinstance(value, bool) or value is None or not isinstance(value, int | float):
        return f"<td>{escape('' if value is None else str(value))}</td>"
    raw = repr(round(value, 6)) if isinstance(value, float) else str(value)
    return f'<td data-v="{raw}">{fmt(value, digits)}</td>'


def _label_cell(label: str, colors: dict[str, str]) -> str:
    return (
        f'<td data-v="{escape(label)}"><span class="swatch" style="background:{colors.get(label, "#999")}"></span>'
        f"{escape(label)}</td>"
    )


def _table(table_id: str, head: list[str], rows: list[str], scroll: bool = False) -> str:
    """A sortable table with a button that downloads it as CSV."""
    header = "".join(f"<th>{escape(title)}</th>" for title in head)
    table = (
        f'<table class="sortable" id="{table_id}"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody>'
        "</table>"
    )
    tools = f'<div class="table-tools"><button class="csv" data-table="{table_id}">download CSV</button></div>'
    return tools + (f'<div class="scroll">{table}</div>' if scroll else table)


def _overview(f: ReportFacts) -> tuple[str, str, str]:
    t = f.totals
    kpis = [
        ("images", t["images"]),
        ("objects", t["objects"]),
        ("classes", t["labels"]),
        ("cities", t["cities"]),
        ("splits", t["splits"]),
        ("rejected objects and files", t["rejects"]),
    ]
    cards = "".join(f'<div class="kpi"><b>{fmt(v, 0)}</b><span>{escape(k)}</span></div>' for k, v in kpis)
    if t.get("unlabeled_pct") is not None:
        cards += f'<div class="kpi"><b>{fmt(t["unlabeled_pct"], 1)} %</b><span>of pixels unlabelled (mean)</span></div>'
    split_names = [s["split"] for s in f.splits]
    splits = hbar_chart(
        [(s["split"], s["images"], SPLIT_COLORS.get(s["split"], "#999")) for s in f.splits],
        "images",
        width=420,
        splits=split_names,
    )
    split_objects = hbar_chart(
        [(s["split"], s["objects"], SPLIT_COLORS.get(s["split"], "#999")) for s in f.splits],
        "objects",
        width=420,
        splits=split_names,
    )
    cities_by_size = sorted(f.cities, key=lambda c: -c["images"])
    cities = hbar_chart(
        [(f"{c['city']} ({c['split']})", c["images"], SPLIT_COLORS.get(c["split"], "#999")) for c in cities_by_size],
        "images",
        width=600,
        splits=[c["split"] for c in cities_by_size],
    )
    legend = " ".join(
        f'<span class="swatch" style="background:{color}"></span>{split}' for split, color in SPLIT_COLORS.items()
    )
    html = (
        f'<p class="caption">What was loaded. Rejected = objects with fewer than 3 points, deleted objects and '
        f"unreadable files, kept in <code>rejects</code> (view <code>warehouse_totals</code>).</p>"
        f'<div class="kpis">{cards}</div>'
        f'<div class="cols" style="margin-top:18px"><div><h3>Images and objects per split</h3>{splits}'
        f'{split_objects}</div><div><h3>Images per city</h3><p class="caption">{legend}</p>{cities}</div></div>'
    )
    return "overview", "Splits, cities, counts", html


def _gallery(f: ReportFacts) -> tuple[str, str, str]:
    figures = []
    for image in f.gallery:
        flags = []
        if image.invalid:
            flags.append(f"{image.invalid} invalid")
        if image.out_of_bounds:
            flags.append(f"{image.out_of_bounds} out of bounds")
        figures.append(
            f'<figure data-split="{escape(image.split)}"><img alt="objects of {escape(image.image_id)} in their '
            f'colours" src="{image.png}"><figcaption><b>{escape(image.split)}</b> · {escape(image.image_id)} · '
            f"{fmt(image.objects, 0)} objects{' · ' + ', '.join(flags) if flags else ''}"
            f"{' · only void classes, black in the official colours' if image.void_only else ''}</figcaption>"
            "</figure>"
        )
    white, cyan = ("#{:02x}{:02x}{:02x}".format(*rgb) for rgb in (INVALID_RGB, OUT_OF_BOUNDS_RGB))
    html = (
        '<p class="caption">A few images of each split drawn from their polygons in the official Cityscapes '
        "colours (as <code>gtFine_color.png</code>): objects painted in file order, a later one over an earlier "
        "one; black is unlabelled. Outlined: "
        f'<span class="swatch" style="background:{white};border:1px solid #999"></span>invalid polygons, '
        f'<span class="swatch" style="background:{cyan}"></span>objects with a vertex outside the image. '
        "Per split, the images with the most such objects are shown first. The test split's public annotations "
        "hold only the void classes (ego vehicle, rectification border, out of roi), so its images are black.</p>"
        f'<div class="gallery">{"".join(figures)}</div>'
    )
    return "gallery", "What an annotation looks like", html


def _class_balance(f: ReportFacts) -> tuple[str, str, str]:
    rows = [
        f"<tr data-all>{_label_cell(r['label'], f.colors)}{_td(r['images'])}{_td(r['objects'])}"
        f"{_td(r['count_on_image'], 2)}{_td(r['area_on_image_pct'], 2)}</tr>"
        for r in f.class_balance
    ]
    rows += [
        f'<tr data-split="{escape(r["split"])}" data-only>{_label_cell(r["label"], f.colors)}{_td(r["images"])}'
        f"{_td(r['objects'])}{_td(r['objects_per_image'], 2)}<td>–</td></tr>"
        for r in f.class_balance_by_split
    ]
    table = _table(
        "class-balance", ["class", "images", "objects", "objects / image", "area on image, %"], rows, scroll=True
    )
    bars = hbar_chart(
        [(r["label"], r["objects"], f.colors.get(r["label"], "#999")) for r in f.class_balance],
        "objects",
        log=True,
        width=560,
    )
    html = (
        '<p class="caption">Dataset Ninja\'s class balance, recomputed (view <code>dn_class_balance</code>). '
        '"objects / image" and "area on image" are means over the images that hold the class; the area is the '
        "union of the class's masks in % of the image. With a split chosen, the table shows that split "
        "(view <code>class_split_stats</code>; the area is over all splits only). Click a column to sort.</p>"
        f'<div class="cols"><div>{table}</div><div><h3>Objects per class, all splits</h3>{bars}</div></div>'
    )
    return "balance", "Class balance", html


def _cooccurrence(f: ReportFacts) -> tuple[str, str, str]:
    # 15 px columns: the column labels, rotated by 60 degrees, then stand 13 px apart across their
    # lines, clear of each other (at 13 px they touched)
    chart = matrix_chart(f.labels, f.labels, f.cooccurrence, "images", log=False, cell=15)
    html = (
        '<p class="caption">Images holding both classes (view <code>dn_cooccurrence</code>); the diagonal is the '
        "images holding the class. Classes ordered by objects; hover a cell for the count.</p>"
        f'<div class="wide">{chart}</div>'
    )
    return "cooccurrence", "Co-occurrence", html


def _objects_distribution(f: ReportFacts) -> tuple[str, str, str]:
    dist = f.objects_distribution
    used = int(np.nonzero(dist[:, 1:].sum(axis=0))[0].max()) + 2 if dist.shape[1] > 1 and dist[:, 1:].any() else 1
    shown = dist[:, :used]
    chart = matrix_chart(
        f.labels,
        [str(k) for k in range(shown.shape[1])],
        shown,
        "images",
        cell=13,
        cell_width=5,
        col_label_height=40,
        col_every=10,
    )
    x_max = max((x for points in f.objects_per_image.values() for x, _ in points), default=0)
    bin_size = max(1, -(-(x_max + 1) // HISTOGRAM_BINS))
    # one count axis for every panel, so a bar's height compares across splits
    y_max = max((n for points in f.objects_per_image.values() for n in binned(points, bin_size).values()), default=1)
    panels = "".join(
        f'<div data-split="{escape(split)}"><h3>{escape(split)}</h3>'
        + log_histogram(
            points, SPLIT_COLORS.get(split, "#999"), "objects on the image", "images", x_max, bin_size, y_max=y_max
        )
        + "</div>"
        for split, points in f.objects_per_image.items()
    )
    per = "object" if bin_size == 1 else f"{bin_size} objects"
    html = (
        '<h3>Objects of any class on an image, per split</h3><p class="caption">One panel per split, the same '
        f"axes in each; a bar per {per}; image counts on a log scale (view <code>objects_per_image</code>).</p>"
        f"{panels}"
        "<h3>Objects of one class on an image</h3>"
        '<p class="caption">For each class, the images with exactly k objects of it, k = 0 first; all splits '
        "(view <code>dn_objects_distribution</code>).</p>"
        f'<div class="wide">{chart}'
        '<p class="caption">k = objects of the class on one image →</p></div>'
    )
    return "distribution", "Objects per image", html


def _class_sizes(f: ReportFacts) -> tuple[str, str, str]:
    columns = [
        ("object_count", "objects", 0),
        ("min_area_pct", "min area, %", 2),
        ("avg_area_pct", "mean area, %", 2),
        ("max_area_pct", "max area, %", 2),
        ("min_height_px", "min height, px", 0),
        ("avg_height_px", "mean height, px", 0),
        ("max_height_px", "max height, px", 0),
        ("min_width_px", "min width, px", 0),
        ("avg_width_px", "mean width, px", 0),
        ("max_width_px", "max width, px", 0),
    ]
    rows = [
        "<tr>"
        + _label_cell(r["label"], f.colors)
        + "".join(_td(r[key], digits) for key, _, digits in columns)
        + "</tr>"
        for r in f.class_sizes
    ]
    table = _table("class-sizes", ["class"] + [title for _, title, _ in columns], rows, scroll=True)
    bars = hbar_chart(
        [
            (r["label"], r["avg_area_pct"], f.colors.get(r["label"], "#999"))
            for r in sorted(f.class_sizes, key=lambda r: -r["avg_area_pct"])
        ],
        "% of the image, mean per object",
        digits=2,
        log=True,
    )
    html = (
        '<p class="caption">Per object: area = shoelace area of the exterior ring in % of the image, height and '
        "width of the exterior's bounding box (view <code>dn_class_sizes</code>, which also has them in %). "
        "All splits.</p>"
        f'<div class="cols"><div>{table}</div><div>{bars}</div></div>'
    )
    return "sizes", "Class sizes", html


def _spatial(f: ReportFacts) -> tuple[str, str, str]:
    figures = []
    for label in f.labels:
        cells = f.heatmaps.get(label)
        if cells is None:
            continue
        figures.append(
            f'<figure><img alt="where {escape(label)} lies" src="{heatmap_png(cells)}">'
            f"<figcaption><b>{escape(label)}</b> · peak {float(cells.max()):.3g} objects/px</figcaption>"
            "</figure>"
        )
    html = (
        f'<p class="caption">Where each class lies: per {CELL_PX} × {CELL_PX} px cell, the mean number of the '
        "class's objects covering a pixel, over all images of every split (no occlusion; view "
        "<code>class_heatmap_density</code>). Each panel is scaled to its own peak, given under it; the colour "
        "scale, which stays in view while the panels scroll, is the square root of the share of that peak:</p>"
        f'<div class="colour-scale">{colour_bar()}</div>'
        f'<div class="heatmaps">{"".join(figures)}</div>'
    )
    return "spatial", "Where classes lie", html


def _visibility(f: ReportFacts) -> tuple[str, str, str]:
    # a class the label images never draw (license plate, id -1) has no visible fraction: shown as
    # "–" without a bar, never as 0 %, which would read as "always hidden"
    measured = [r for r in f.visibility if r["mean_visible_fraction"] is not None]
    unmeasured = [r["label"] for r in f.visibility if r["mean_visible_fraction"] is None]
    bars = hbar_chart(
        [(r["label"], 100 * r["mean_visible_fraction"], f.colors.get(r["label"], "#999")) for r in measured],
        "% of the object visible, mean per object",
        digits=1,
    )
    rows = [
        f"<tr>{_label_cell(r['label'], f.colors)}{_td(r['objects'])}{_td(r['fully_hidden'])}"
        + (_td(100 * r["visible_share_px"], 1) if r["visible_share_px"] is not None else "<td>–</td>")
        + "</tr>"
        for r in f.visibility
    ]
    never_drawn = (
        f" Not drawn in the label images, so without a figure (–): {escape(', '.join(unmeasured))}."
        if unmeasured
        else ""
    )
    table = _table("visibility", ["class", "objects", "fully hidden", "visible px, % of mask px"], rows, scroll=True)
    html = (
        '<p class="caption">Objects are painted in file order and a later object hides an earlier one, as in the '
        "official label images. Visible = pixels of the object's mask left on top, in % of the mask (views "
        "<code>object_visibility</code>, <code>class_visibility</code>). Fully hidden objects leave no pixel in "
        f"the label images. All splits.{never_drawn}</p>"
        f'<div class="cols"><div>{bars}</div><div>{table}</div></div>'
    )
    return "visibility", "Visibility under painter's order", html


def _quality(f: ReportFacts) -> tuple[str, str, str]:
    def table(table_id: str, rows: list[dict], columns: list[tuple[str, str]], empty: str) -> str:
        if not rows:
            return f'<p class="good">{escape(empty)}</p>'
        body = ["<tr>" + "".join(_td(r[k]) for k, _ in columns) + "</tr>" for r in rows]
        return _table(table_id, [title for _, title in columns], body)

    html = (
        '<p class="caption">Kept as drawn, flagged in <code>objects</code> (<code>is_valid</code>, '
        "<code>invalid_reason</code>, <code>out_of_bounds</code>) or set aside in <code>rejects</code> (views "
        "<code>invalid_reason_stats</code>, <code>out_of_bounds_stats</code>, <code>reject_stats</code>). "
        "All splits.</p>"
        '<div class="cols">'
        "<div><h3>Invalid polygons (GEOS), by reason</h3>"
        + table(
            "invalid-reasons",
            f.invalid_reasons,
            [("reason", "reason"), ("objects", "objects"), ("labels", "classes")],
            "every polygon is valid",
        )
        + "</div><div><h3>Vertices outside the image, by class</h3>"
        + table(
            "out-of-bounds",
            f.out_of_bounds,
            [("label", "class"), ("objects", "objects")],
            "no vertex outside the image",
        )
        + "</div><div><h3>Rejects, by reason</h3>"
        + table("rejects", f.rejects, [("reason", "reason"), ("rejects", "objects or files")], "nothing rejected")
        + "</div></div>"
    )
    return "quality", "Data quality", html


def _method() -> tuple[str, str, str]:
    html = (
        '<p class="caption">How the pixel figures are made, following Dataset Ninja: each object is rasterised '
        "with OpenCV <code>fillPoly</code> on an H × W mask (exterior filled with 1, then holes with 0, integer "
        "coordinates, vertices outside the image clipped). A class's covered area in an image is the union of its "
        "objects' masks; classes do not hide each other there, so they can add up past 100 %. Unlabelled = "
        "pixels under no object. Rounding to 2 decimals as Dataset Ninja publishes.</p>"
    )
    return "method", "Method", html
