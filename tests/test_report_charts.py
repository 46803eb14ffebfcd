"""The report's charts read as a data scientist needs: log axes with labelled ticks, a colour bar
on every heatmap, objects per image per split with bars one can see, labels inside their chart,
captions that describe the chart drawn, SYNTHETIC on every page. The chart functions are checked
on tiny hand-written values; the page of the session's replica as text, and in Chromium where
layout decides (test_report.py holds the page's other browser tests and the Chromium runner)."""

from __future__ import annotations

import base64
import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from html import escape, unescape

import cv2
import numpy as np
import pyarrow.dataset as ds
import pytest
from test_report import run_chromium

from cityscapes_warehouse.cli import main
from cityscapes_warehouse.display import BANNER
from cityscapes_warehouse.report import render_report, report_connection
from cityscapes_warehouse.report.charts import hbar_chart, log_histogram, matrix_chart

SVG = "{http://www.w3.org/2000/svg}"
TICK = re.compile(r"^(\d+(?:\.\d+)?)([kM]?)$")  # how an axis labels 10, 0.01, 1k or 2M


@pytest.fixture(scope="module")
def page_path(tmp_path_factory, small_warehouse):
    return render_report(small_warehouse, tmp_path_factory.mktemp("charts") / "report.html")


@pytest.fixture(scope="module")
def page(page_path) -> str:
    return page_path.read_text()


def section(page: str, anchor: str) -> str:
    found = re.search(rf'<section id="{anchor}">(.*?)</section>', page, re.S)
    assert found, f"no section {anchor}"
    return found.group(1)


def svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, re.S)]


def ticks(svg: ET.Element) -> list[tuple[float, ET.Element]]:
    """The axis labels that are numbers, with their value."""
    found = []
    for text in svg.iter(f"{SVG}text"):
        match = TICK.match(text.text or "")
        if "axis" in text.get("class", "") and match:
            found.append((float(match[1]) * {"": 1, "k": 1e3, "M": 1e6}[match[2]], text))
    return found


def bars(svg: ET.Element) -> list[ET.Element]:
    """The data marks: every rect that says its value on hover."""
    return [rect for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]


def number_in(title: str) -> float:
    """The value a mark's hover text gives: "car: 3,183 objects", "2 images with 21–27 objects"."""
    return float(re.search(r"(?:^|: )([\d,]+(?:\.\d+)?) ", title)[1].replace(",", ""))


# --- log axes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values", [[5274.0, 37.0, 1.0], [99.85, 3.0, 0.5, 0.01]], ids=["counts", "percentages under 1"]
)
def test_each_log_bar_ends_between_the_ticks_of_its_decade(values):
    svg = ET.fromstring(hbar_chart([(f"class {i}", v, "#000") for i, v in enumerate(values)], "objects", log=True))
    at = {value: float(text.get("x")) for value, text in ticks(svg)}
    ends = [float(rect.get("x")) + float(rect.get("width")) for rect in bars(svg)]
    for value, end in zip(values, ends, strict=True):
        below = [tick for tick in at if tick <= value]
        above = [tick for tick in at if tick > value]
        assert below, f"no labelled tick at or below {value}: {sorted(at)}"
        assert at[max(below)] - 0.1 <= end, (value, at)
        assert not above or end < at[min(above)], (value, at)


def test_log_ticks_are_one_decade_apart_and_equally_spaced():
    # the mark of a log axis; log(1 + x) would crowd the ticks under 10 together
    svg = ET.fromstring(hbar_chart([("a", 0.02, "#000"), ("b", 4000.0, "#000")], "%", log=True))
    found = sorted(ticks(svg), key=lambda t: t[0])
    values = [value for value, _ in found]
    assert values == [0.01, 0.1, 1, 10, 100, 1000]
    steps = np.diff([float(text.get("x")) for _, text in found])
    assert steps.min() > 20 and steps.max() - steps.min() < 0.5


def test_histogram_bars_reach_the_tick_of_their_count():
    svg = ET.fromstring(log_histogram([(0, 1), (3, 10), (7, 250)], "#000", "objects", "images", 10, 1))
    line_at = {value: float(text.get("y")) - 4 for value, text in ticks(svg) if text.get("text-anchor") == "end"}
    assert sorted(line_at) == [1, 10, 100]
    tops = {number_in(rect.find(f"{SVG}title").text): float(rect.get("y")) for rect in bars(svg)}
    assert tops[1] == pytest.approx(line_at[1], abs=0.1) and tops[10] == pytest.approx(line_at[10], abs=0.1)
    assert tops[250] < line_at[100]  # higher on the page: SVG's y grows downwards


def test_histograms_drawn_with_one_count_maximum_share_their_count_axis():
    few = ET.fromstring(log_histogram([(2, 3)], "#000", "objects", "images", 10, 1, y_max=900))
    many = ET.fromstring(log_histogram([(2, 900)], "#000", "objects", "images", 10, 1, y_max=900))
    assert [(v, t.get("y")) for v, t in ticks(few)] == [(v, t.get("y")) for v, t in ticks(many)]


def test_every_log_axis_on_the_page_has_labelled_ticks(page):
    log_charts = [svg for svg in svgs(page) if any("log scale" in (t.text or "") for t in svg.iter(f"{SVG}text"))]
    assert len(log_charts) >= 5  # class balance, class sizes, one objects-per-image panel per split
    for svg in log_charts:
        assert len(ticks(svg)) >= 2, svg.get("aria-label")


# --- colour bars ------------------------------------------------------------------------------


def test_a_heatmap_legend_runs_from_zero_to_the_largest_cell():
    values = np.array([[0, 3], [17, 250]])
    svg = ET.fromstring(matrix_chart(["a", "b"], ["c", "d"], values, "images"))
    legend = [rect for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is None]
    labels = [t.text for t in svg.iter(f"{SVG}text") if "axis" in t.get("class", "")]
    assert len(legend) >= 10 and labels[:2] == ["0", "250"]
    largest = max(bars(svg), key=lambda rect: number_in(rect.find(f"{SVG}title").text))
    assert largest.get("fill") == legend[-1].get("fill")  # the darkest cell has the legend's top colour


def test_every_heatmap_on_the_page_has_a_colour_bar_up_to_its_largest_cell(page):
    heatmaps = [svg for svg in svgs(page) if svg.get("aria-label", "").startswith("heatmap")]
    assert len(heatmaps) == 2  # co-occurrence, objects of one class on an image
    for svg in heatmaps:
        largest = max(number_in(rect.find(f"{SVG}title").text) for rect in bars(svg))
        legend = [rect for rect in svg.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is None]
        labels = [t.text for t in svg.iter(f"{SVG}text") if "axis" in t.get("class", "")]
        assert len(legend) >= 10 and f"{largest:,.0f}" in labels, svg.get("aria-label")


def test_the_class_heatmaps_share_a_colour_bar_whose_top_colour_each_peak_has(page):
    html = section(page, "spatial")
    scale = html[: html.index("<figure")]  # the colour bar stands before the first heatmap
    (bar,) = svgs(scale)
    top = bar.findall(f"{SVG}rect")[-1].get("fill")
    top_bgr = [int(top[i : i + 2], 16) for i in (5, 3, 1)]
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert images and [t.text for t in bar.iter(f"{SVG}text")][-1] == "peak"
    for data in images:
        pixels = cv2.imdecode(np.frombuffer(base64.b64decode(data), np.uint8), cv2.IMREAD_COLOR).reshape(-1, 3)
        assert (pixels == top_bgr).all(axis=1).any()  # the panel's peak is drawn in the bar's top colour


# Scrolls to the last class heatmap and asks whether the colour bar is still on screen, below
# the navigation bar and on top at its centre.
SCALE_PROBE = """
<script>
(function () {
  var figures = document.querySelectorAll("#spatial figure");
  figures[figures.length - 1].scrollIntoView({block: "end"});
  var svg = document.querySelector('#spatial svg[aria-label="colour scale of the heatmaps"]');
  var bar = svg.getBoundingClientRect();
  var nav = document.querySelector("nav").getBoundingClientRect();
  var hit = document.elementFromPoint(bar.left + bar.width / 2, bar.top + bar.height / 2);
  document.body.setAttribute("data-probe", JSON.stringify({
    scrolled: window.scrollY, top: bar.top, bottom: bar.bottom, nav_bottom: nav.bottom,
    viewport: window.innerHeight, on_top: !!hit && hit.closest("svg") === svg}));
})();
</script>
"""


def test_the_class_heatmaps_colour_bar_stays_in_view_by_the_last_panel(page_path, tmp_path):
    seen = probe(page_path, tmp_path, SCALE_PROBE)
    assert seen["scrolled"] > seen["viewport"]  # the page did scroll well past the bar's first place
    assert seen["nav_bottom"] - 0.5 <= seen["top"] and seen["bottom"] <= seen["viewport"], seen
    assert seen["on_top"], seen


# --- objects per image, in Chromium -----------------------------------------------------------

# Appended to a copy of the page: measures each objects-per-image bar as drawn, and asks the
# browser which element is on top at the bar's centre, so a bar under an axis or a label shows.
BARS_PROBE = """
<script>
(function () {
  var panels = [];
  document.querySelectorAll("#distribution div[data-split]").forEach(function (panel) {
    panel.scrollIntoView();
    var svg = panel.querySelector("svg");
    var lines = Array.prototype.map.call(svg.querySelectorAll("line"), function (l) {
      return l.getBoundingClientRect(); });
    var axis = Math.max.apply(null, lines.map(function (r) { return r.top; }));
    var labels = Array.prototype.filter.call(svg.querySelectorAll("text"), function (t) {
      return t.getAttribute("text-anchor") === "end" && /^[0-9.]+[kM]?$/.test(t.textContent); });
    var labelsRight = Math.max.apply(null, labels.map(function (t) { return t.getBoundingClientRect().right; }));
    var found = {split: panel.dataset.split, axis: axis, labels_right: labelsRight, bars: []};
    svg.querySelectorAll("rect").forEach(function (rect) {
      var r = rect.getBoundingClientRect();
      var hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      found.bars.push({title: rect.querySelector("title").textContent, left: r.left, width: r.width,
                       top: r.top, bottom: r.bottom, on_top: hit === rect});
    });
    panels.push(found);
  });
  document.body.setAttribute("data-probe", JSON.stringify(panels));
})();
</script>
"""


def probe(page_path, folder, script: str, width: int = 1400):
    probed = folder / "probed.html"
    probed.write_text(page_path.read_text().replace("</body>", script + "</body>"))
    done = run_chromium(probed, folder, f"--window-size={width},1000", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, "the probe script did not run"
    return json.loads(unescape(found.group(1)))


@pytest.fixture(scope="module")
def histogram_panels(page_path, tmp_path_factory) -> list[dict]:
    return probe(page_path, tmp_path_factory.mktemp("bars"), BARS_PROBE)


def test_objects_per_image_has_a_panel_for_each_split_holding_all_its_images(histogram_panels, small_warehouse):
    images = ds.dataset(small_warehouse / "tables" / "images").to_table(columns=["split"])
    expected = Counter(images.column("split").to_pylist())
    drawn = {panel["split"]: sum(number_in(b["title"]) for b in panel["bars"]) for panel in histogram_panels}
    assert drawn == expected and "test" in drawn


def test_objects_per_image_bars_are_wide_and_stand_on_the_axis(histogram_panels):
    for panel in histogram_panels:
        assert panel["bars"], panel["split"]
        for bar in panel["bars"]:
            assert bar["width"] >= 3, bar  # the 1-pixel bars
            assert bar["bottom"] == pytest.approx(panel["axis"], abs=1.5) and bar["top"] < panel["axis"] - 1, bar
            assert bar["left"] > panel["labels_right"], bar  # right of the count labels, not under them


def test_no_objects_per_image_bar_is_hidden_under_anything(histogram_panels):
    hidden = [(p["split"], b["title"]) for p in histogram_panels for b in p["bars"] if not b["on_top"]]
    assert hidden == []


def test_the_objects_per_image_panels_share_their_axes_as_the_caption_says(page):
    html = section(page, "distribution")
    assert "the same axes in each" in html
    panels = [svg for svg in svgs(html) if svg.get("aria-label", "").startswith("histogram")]
    assert len(panels) >= 2
    axes = {tuple((value, text.get("x"), text.get("y")) for value, text in ticks(svg)) for svg in panels}
    assert len(axes) == 1


def test_the_objects_per_image_caption_states_the_bin_the_bars_have(page):
    html = section(page, "distribution")
    stated = re.search(r"a bar per (?:(\d+) objects|object)", html)
    assert stated, "the caption does not say what a bar counts"
    size = int(stated[1] or 1)
    spans = re.findall(r"images with (\d+)(?:–(\d+))? objects on the image", html)
    assert spans and all(int(hi or lo) - int(lo) + 1 == size for lo, hi in spans)


# --- labels inside their chart, in Chromium ----------------------------------------------------

# The corners of each label's box, mapped through its own transform (the column labels are
# rotated) into the chart's coordinates, against the chart's viewBox.
LABELS_PROBE = """
<script>
(function () {
  var svg = document.querySelector("#cooccurrence svg");
  var view = svg.viewBox.baseVal;
  var labels = [];
  svg.querySelectorAll("text").forEach(function (text) {
    var box = text.getBBox(), m = text.getCTM(), inside = true;
    [[box.x, box.y], [box.x + box.width, box.y], [box.x, box.y + box.height],
     [box.x + box.width, box.y + box.height]].forEach(function (c) {
      var x = m.a * c[0] + m.c * c[1] + m.e, y = m.b * c[0] + m.d * c[1] + m.f;
      if (x < view.x - 0.5 || x > view.x + view.width + 0.5 || y < view.y - 0.5 ||
          y > view.y + view.height + 0.5) { inside = false; }
    });
    labels.push({text: text.textContent, inside: inside, width: box.width});
  });
  // each column label's distance across its own lines to the next one: less than its height and
  // the two overlap
  var columns = Array.prototype.filter.call(svg.querySelectorAll("text"), function (text) {
    return (text.getAttribute("transform") || "").indexOf("rotate") >= 0; });
  var gaps = [];
  for (var i = 1; i < columns.length; i++) {
    var next = columns[i - 1].getCTM().inverse().multiply(columns[i].getCTM());
    gaps.push({text: columns[i].textContent, across: Math.abs(next.f), height: columns[i].getBBox().height});
  }
  document.body.setAttribute("data-probe", JSON.stringify({labels: labels, gaps: gaps}));
})();
</script>
"""


@pytest.fixture(scope="module")
def cooccurrence_labels(page_path, tmp_path_factory) -> dict:
    return probe(page_path, tmp_path_factory.mktemp("labels"), LABELS_PROBE)


def test_every_cooccurrence_label_lies_inside_the_chart(cooccurrence_labels, page):
    labels = cooccurrence_labels["labels"]
    classes = re.findall(r'<td data-v="([^"]+)"><span class="swatch"', section(page, "balance"))
    names = Counter(label["text"] for label in labels)
    assert all(names[unescape(name)] >= 2 for name in set(classes))  # each class names a row and a column
    assert all(label["width"] > 0 for label in labels)
    assert [label["text"] for label in labels if not label["inside"]] == []


def test_no_cooccurrence_column_label_overlaps_the_next(cooccurrence_labels):
    gaps = cooccurrence_labels["gaps"]
    assert len(gaps) >= 10
    assert [gap["text"] for gap in gaps if gap["across"] < gap["height"]] == []


def test_a_class_without_a_visibility_figure_shows_a_dash_not_zero(page, small_warehouse):
    con = report_connection(small_warehouse)
    try:
        unmeasured = [
            row[0] for row in con.sql("select label from class_visibility where visible_share_px is null").fetchall()
        ]
    finally:
        con.close()
    assert unmeasured  # license plates: the label images never draw them
    html = section(page, "visibility")
    chart = svgs(html)[0]
    charted = {t.text for t in chart.iter(f"{SVG}text") if "lbl" in t.get("class", "")}
    for label in unmeasured:
        row = re.search(rf'<tr><td data-v="{re.escape(escape(label))}">.*?</tr>', html)
        assert row and row[0].endswith("<td>–</td></tr>"), label
        assert label not in charted


# On a narrow window: the page must not scroll sideways, and each chart (or the box it scrolls
# in) must stay inside its section.
NARROW_PROBE = """
<script>
(function () {
  var outside = [];
  document.querySelectorAll("section svg").forEach(function (svg) {
    var box = (svg.closest(".wide") || svg).getBoundingClientRect();
    if (box.right > svg.closest("section").getBoundingClientRect().right + 0.5) {
      outside.push(svg.getAttribute("aria-label"));
    }
  });
  document.body.setAttribute("data-probe", JSON.stringify({
    page_width: document.documentElement.scrollWidth, window_width: window.innerWidth, outside: outside}));
})();
</script>
"""


def test_on_a_narrow_window_every_chart_stays_inside_its_section(page_path, tmp_path):
    seen = probe(page_path, tmp_path, NARROW_PROBE, width=800)
    assert seen["window_width"] == 800
    assert seen["outside"] == [] and seen["page_width"] <= seen["window_width"], seen


# --- captions and SYNTHETIC ---------------------------------------------------------------------

# Charts sit side by side on a wide window and one under the other on a narrow one, so a caption
# that points "left" or "right" is wrong on some screen.
POSITIONAL = re.compile(
    r"\b(left|right)\s*(/|:|panel|chart|side|column|hand)|\b(on|at|to) the (left|right)\b", re.IGNORECASE
)


def test_the_positional_check_sees_left_and_right_wording():
    assert POSITIONAL.search("Left / Right: images and objects per split")
    assert POSITIONAL.search("the chart on the right counts objects")
    assert not POSITIONAL.search("pixels of the object's mask left on top")


def test_no_caption_says_where_a_chart_stands(page):
    captions = re.findall(r'<p class="caption">(.*?)</p>|<figcaption>(.*?)</figcaption>', page, re.S)
    assert len(captions) >= 10
    assert [text for pair in captions for text in pair if POSITIONAL.search(text)] == []


@pytest.mark.parametrize("suffix", ["html", "md"])
def test_every_page_validate_report_writes_says_synthetic(small_warehouse, tmp_path, suffix, capsys):
    out = tmp_path / f"validation.{suffix}"
    main(["validate", "--warehouse", str(small_warehouse), "--suite", "images.integrity", "--report", str(out)])
    text = out.read_text()
    assert BANNER in text or escape(BANNER) in text
    if suffix == "html":
        assert re.search(r"<title>SYNTHETIC DATA[^<]*</title>", text)
