"""The report as one self-contained HTML page: inline CSS, SVG, PNG data URIs and a few lines of JS."""

from __future__ import annotations

from html import escape

import numpy as np

from ..display import BANNER
from ..pixels import CELL_PX
from .charts import fmt, hbar_chart, heatmap_png, histogram_chart, matrix_chart
from .facts import ReportFacts
from .label_images import label_images_section

# The page may load nothing: any request it tried would be refused and reported on the console.
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
SPLIT_COLORS = {"train": "#3b6fd8", "val": "#e08a1e", "test": "#8a94a6"}

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
th { color:var(--muted); font-weight:600; cursor:pointer; user-select:none; position:sticky; top:36px;
     background:#fff; }
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
"""

# Sorts any table by a click on its header; marks the page ready for the browser test.
SCRIPT = """
document.querySelectorAll("table.sortable th").forEach(function (th, column) {
  th.addEventListener("click", function () {
    var body = th.closest("table").tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var descending = th.dataset.order !== "desc";
    th.dataset.order = descending ? "desc" : "asc";
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.v || a.cells[column].textContent;
      var y = b.cells[column].dataset.v || b.cells[column].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var order = (isNaN(nx) || isNaN(ny)) ? x.localeCompare(y) : nx - ny;
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
document.body.dataset.ready = "1";
"""


def render_page(facts: ReportFacts) -> str:
    info, totals = facts.info, facts.totals
    sections = [
        _overview(facts),
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
    body = "".join(
        f'<section id="{anchor}"><h2>{escape(title)}</h2>{html}</section>' for anchor, title, html in sections
    )
    banner = f'<div class="banner" id="synthetic-banner">{escape(BANNER)}</div>' if info.get("synthetic") else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<title>Cityscapes warehouse report</title><style>{CSS}</style></head>
<body>{banner}
<header><h1>Cityscapes gtFine: dataset report</h1>
<p>{fmt(totals["images"], 0)} images · {fmt(totals["objects"], 0)} objects · {totals["labels"]} classes ·
built {escape(str(info.get("built_at", "")))} from <code>{escape(str(info.get("source", "")))}</code>
({escape(str(info.get("source_kind", "")))}) with cityscapes-warehouse {escape(str(info.get("tool_version", "")))}</p>
</header><nav>{nav}</nav><main>{body}</main>
<script>{SCRIPT}</script></body></html>
"""


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
    splits = hbar_chart(
        [(s["split"], s["images"], SPLIT_COLORS.get(s["split"], "#999")) for s in f.splits],
        "images",
        label_width=60,
        width=420,
    )
    split_objects = hbar_chart(
        [(s["split"], s["objects"], SPLIT_COLORS.get(s["split"], "#999")) for s in f.splits],
        "objects",
        label_width=60,
        width=420,
    )
    cities = hbar_chart(
        [
            (f"{c['city']} ({c['split']})", c["images"], SPLIT_COLORS.get(c["split"], "#999"))
            for c in sorted(f.cities, key=lambda c: -c["images"])
        ],
        "images",
        label_width=190,
        width=600,
    )
    legend = " ".join(
        f'<span class="swatch" style="background:{color}"></span>{split}' for split, color in SPLIT_COLORS.items()
    )
    html = (
        f'<p class="caption">What was loaded. Rejected = objects with fewer than 3 points, deleted objects and '
        f'unreadable files, kept in <code>rejects</code>.</p><div class="kpis">{cards}</div>'
        f'<div class="cols" style="margin-top:18px"><div><h3>Images and objects per split</h3>{splits}'
        f'{split_objects}</div><div><h3>Images per city</h3><p class="caption">{legend}</p>{cities}</div></div>'
    )
    return "overview", "Splits, cities, counts", html


def _class_balance(f: ReportFacts) -> tuple[str, str, str]:
    rows = "".join(
        f'<tr><td><span class="swatch" style="background:{f.colors.get(r["label"], "#999")}"></span>'
        f"{escape(r['label'])}</td><td>{fmt(r['images'], 0)}</td><td>{fmt(r['objects'], 0)}</td>"
        f"<td>{fmt(r['count_on_image'])}</td><td>{fmt(r['area_on_image_pct'])}</td></tr>"
        for r in f.class_balance
    )
    table = (
        '<table class="sortable"><thead><tr><th>class</th><th>images</th><th>objects</th>'
        "<th>objects / image</th><th>area on image, %</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
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
        "union of the class's masks in % of the image. Click a column to sort.</p>"
        f'<div class="cols"><div class="scroll">{table}</div><div>{bars}</div></div>'
    )
    return "balance", "Class balance", html


def _cooccurrence(f: ReportFacts) -> tuple[str, str, str]:
    chart = matrix_chart(f.labels, f.labels, f.cooccurrence, "images", log=False)
    html = (
        '<p class="caption">Images holding both classes (view <code>dn_cooccurrence</code>); the diagonal is the '
        "images holding the class. Classes ordered by objects; hover a cell for the count.</p>"
        f"<div>{chart}</div>"
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
    overall = histogram_chart(
        [(split, SPLIT_COLORS.get(split, "#999"), points) for split, points in f.objects_per_image.items()],
        "objects on the image",
        "images",
    )
    html = (
        '<p class="caption">Left: objects of any class on an image. Right: for each class, the images with '
        "exactly k objects of it, k = 0 first (view <code>dn_objects_distribution</code>).</p>"
        f'<div class="cols"><div>{overall}</div><div style="overflow-x:auto;max-width:100%">{chart}'
        '<p class="caption">k = objects of the class on one image →</p></div></div>'
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
    head = "".join(f"<th>{escape(title)}</th>" for _, title, _ in columns)
    rows = "".join(
        f'<tr><td><span class="swatch" style="background:{f.colors.get(r["label"], "#999")}"></span>'
        f"{escape(r['label'])}</td>"
        + "".join(f"<td>{fmt(r[key], digits)}</td>" for key, _, digits in columns)
        + "</tr>"
        for r in f.class_sizes
    )
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
        "width of the exterior's bounding box (view <code>dn_class_sizes</code>, which also has them in %).</p>"
        f'<div class="cols"><div class="scroll"><table class="sortable"><thead><tr><th>class</th>{head}</tr>'
        f"</thead><tbody>{rows}</tbody></table></div><div>{bars}</div></div>"
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
        "class's objects covering a pixel, over all images (no occlusion; table <code>class_heatmap</code>). "
        "Dark = none, yellow = the class's peak; square-root colour scale; each panel is scaled to its own peak."
        f'</p><div class="heatmaps">{"".join(figures)}</div>'
    )
    return "spatial", "Where classes lie", html


def _visibility(f: ReportFacts) -> tuple[str, str, str]:
    bars = hbar_chart(
        [(r["label"], 100 * (r["mean_visible_fraction"] or 0), f.colors.get(r["label"], "#999")) for r in f.visibility],
        "% of the object visible, mean per object",
        digits=1,
    )
    rows = "".join(
        f"<tr><td>{escape(r['label'])}</td><td>{fmt(r['objects'], 0)}</td><td>{fmt(r['fully_hidden'], 0)}</td>"
        f"<td>{fmt(100 * (r['visible_share_px'] or 0), 1)}</td></tr>"
        for r in f.visibility
    )
    html = (
        '<p class="caption">Objects are painted in file order and a later object hides an earlier one, as in the '
        "official label images. Visible = pixels of the object's mask left on top, in % of the mask (view "
        "<code>object_visibility</code>). Fully hidden objects leave no pixel in the label images.</p>"
        f'<div class="cols"><div>{bars}</div><div class="scroll"><table class="sortable"><thead><tr><th>class</th>'
        "<th>objects</th><th>fully hidden</th><th>visible px, % of mask px</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></div>"
    )
    return "visibility", "Visibility under painter's order", html


def _quality(f: ReportFacts) -> tuple[str, str, str]:
    def table(rows: list[dict], columns: list[tuple[str, str]], empty: str) -> str:
        if not rows:
            return f'<p class="good">{escape(empty)}</p>'
        head = "".join(f"<th>{escape(title)}</th>" for _, title in columns)
        body = "".join(
            "<tr>"
            + "".join(f"<td>{escape(fmt(r[k], 0) if isinstance(r[k], int) else str(r[k]))}</td>" for k, _ in columns)
            + "</tr>"
            for r in rows
        )
        return f'<table class="sortable"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'

    html = (
        '<p class="caption">Kept as drawn, flagged in <code>objects</code> (<code>is_valid</code>, '
        "<code>invalid_reason</code>, <code>out_of_bounds</code>) or set aside in <code>rejects</code>.</p>"
        '<div class="cols">'
        "<div><h3>Invalid polygons (GEOS), by reason</h3>"
        + table(
            f.invalid_reasons,
            [("reason", "reason"), ("objects", "objects"), ("labels", "classes")],
            "every polygon is valid",
        )
        + "</div><div><h3>Vertices outside the image, by class</h3>"
        + table(f.out_of_bounds, [("label", "class"), ("objects", "objects")], "no vertex outside the image")
        + "</div><div><h3>Rejects, by reason</h3>"
        + table(f.rejects, [("reason", "reason"), ("rejects", "objects or files")], "nothing rejected")
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
