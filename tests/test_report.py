"""The HTML report: one self-contained page, checked as text and in a real headless Chromium."""

from __future__ import annotations

import json
import re
import subprocess
from html import escape, unescape
from pathlib import Path
from urllib.parse import unquote

import cv2
import pytest

from cityscapes_warehouse.display import BANNER
from cityscapes_warehouse.report import render_report, report_connection
from cityscapes_warehouse.report.gallery import IMAGES_PER_SPLIT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]
SECTIONS = [
    "overview",
    "gallery",
    "balance",
    "cooccurrence",
    "distribution",
    "sizes",
    "spatial",
    "visibility",
    "quality",
]


@pytest.fixture(scope="module")
def replica_report(tmp_path_factory, small_warehouse) -> Path:
    """A report of the session's small replica: synthetic, every chart with data."""
    return render_report(small_warehouse, tmp_path_factory.mktemp("report") / "report.html")


def test_report_of_a_synthetic_warehouse_carries_the_banner(replica_report):
    page = replica_report.read_text()
    assert 'id="synthetic-banner"' in page and escape(BANNER) in page


def test_report_of_real_data_has_no_banner(tiny_warehouse, tmp_path):
    page = render_report(tiny_warehouse, tmp_path / "report.html").read_text()
    assert "synthetic-banner" not in page


def test_report_has_every_section(replica_report):
    page = replica_report.read_text()
    assert all(f'<section id="{name}">' in page for name in SECTIONS)


def test_report_loads_nothing_from_elsewhere(replica_report):
    page = replica_report.read_text()
    assert not re.search(r"""(src|href)\s*=\s*["'](?!data:|#)""", page)
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "default-src 'none'" in page  # the browser refuses any request the page might try


def run_chromium(page: Path, tmp_path: Path, *extra: str) -> subprocess.CompletedProcess:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian: apt-get install chromium)")
    command = [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *extra, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def page_requests(page: Path, tmp_path: Path) -> tuple[subprocess.CompletedProcess, list[str]]:
    """Load `page`; return the run and the URLs the page itself asked for (not the browser's own calls).

    Chromium calls home (component updates, network time) whatever the flags; those requests carry
    no initiator ("not an origin"), while anything a file:// page loads carries its opaque origin.
    """
    net_log = tmp_path / "net.json"
    done = run_chromium(page, tmp_path, "--enable-logging=stderr", "--v=0", f"--log-net-log={net_log}", "--dump-dom")
    text = net_log.read_text().rstrip().rstrip(",")
    log = json.loads(text if text.endswith("}") else text + "]}")  # a log cut at exit lacks its closing
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    starts = [e.get("params", {}) for e in log["events"] if e["type"] == start_job]
    urls = [
        p["url"]
        for p in starts
        if "url" in p and p.get("initiator") != "not an origin" and not p["url"].startswith("file:")
    ]
    return done, urls


def test_page_runs_in_chromium_without_console_errors_or_requests(replica_report, tmp_path):
    done, urls = page_requests(replica_report, tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    assert 'data-ready="1"' in done.stdout  # the page's script ran to its end
    assert not [line for line in done.stderr.splitlines() if ":CONSOLE(" in line]
    assert urls == []


def test_request_check_sees_a_page_that_loads_an_image(tmp_path):
    page = tmp_path / "leaky.html"
    page.write_text('<!doctype html><img src="http://127.0.0.1:9/nothing.png">')  # the discard port: refused
    _, urls = page_requests(page, tmp_path)
    assert urls == ["http://127.0.0.1:9/nothing.png"]


def test_screenshot_shows_the_charts(replica_report, tmp_path):
    shot = tmp_path / "report.png"
    done = run_chromium(replica_report, tmp_path, "--window-size=1400,6000", f"--screenshot={shot}")
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    image = cv2.imread(str(shot))
    assert image.shape[:2] == (6000, 1400)
    # charts are colour: far more distinct colours than a page of text on white
    colours = {tuple(p) for p in image[::7, ::7].reshape(-1, 3).tolist()}
    assert len(colours) > 500


# What the page's script does, driven in Chromium: a test script appended to a copy of the page
# clicks and reads the DOM, and leaves its findings as JSON in an attribute that --dump-dom shows.
PROBE = """
<script>
(function () {
  function shown(el) { return !el.classList.contains("hidden-by-filter"); }
  var found = {clipped: []};
  document.querySelectorAll("svg").forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    svg.querySelectorAll("text").forEach(function (text) {
      var r = text.getBoundingClientRect();
      var outside = r.left < box.left - 1 || r.right > box.right + 1 ||
        r.top < box.top - 1 || r.bottom > box.bottom + 1;
      if (r.width && outside) {
        found.clipped.push(text.textContent);
      }
    });
  });
  var sizes = document.getElementById("class-sizes");
  sizes.tHead.rows[0].cells[10].click();  // max width, px: values up to 2,048
  var rows = Array.prototype.slice.call(sizes.tBodies[0].rows);
  found.widths_sorted = rows.map(function (r) { return Number(r.cells[10].dataset.v); });
  found.widths_shown = rows.map(function (r) { return r.cells[10].textContent; });
  var table = document.getElementById("class-balance");
  var filter = document.getElementById("split-filter");
  filter.value = "val";
  filter.dispatchEvent(new Event("change"));
  found.splits_shown = Array.prototype.filter.call(document.querySelectorAll("[data-split]"), shown)
    .map(function (el) { return el.dataset.split; });
  found.all_rows_shown = Array.prototype.filter.call(document.querySelectorAll("[data-all]"), shown).length;
  HTMLAnchorElement.prototype.click = function () { found.download = {name: this.download, href: this.href}; };
  document.querySelector('button.csv[data-table="class-balance"]').click();
  document.body.setAttribute("data-probe", JSON.stringify(found));
})();
</script>
"""


@pytest.fixture(scope="module")
def probed(replica_report, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("probe")
    page = folder / "probed.html"
    page.write_text(replica_report.read_text().replace("</body>", PROBE + "</body>"))
    done = run_chromium(page, folder, "--window-size=1400,1000", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'data-probe="([^"]*)"', done.stdout)
    assert found, "the probe script did not run"
    return json.loads(unescape(found.group(1)))


def test_title_says_synthetic(replica_report):
    assert "<title>SYNTHETIC DATA · Cityscapes warehouse report</title>" in replica_report.read_text()


def test_a_numeric_column_sorts_by_value_not_by_text(probed):
    values = probed["widths_sorted"]
    assert values == sorted(values, reverse=True) and values[0] >= 1000  # "1,234" would sort as 1
    assert probed["widths_shown"][0] == f"{values[0]:,}"  # shown with its comma, sorted by its value


def test_the_split_filter_shows_one_split(probed):
    assert set(probed["splits_shown"]) == {"val"} and probed["all_rows_shown"] == 0


def test_a_table_downloads_as_csv_with_raw_numbers(probed, small_warehouse):
    download = probed["download"]
    assert download["name"] == "class-balance-val.csv"
    lines = unquote(download["href"].split(",", 1)[1]).splitlines()
    assert lines[0] == 'class,images,objects,objects / image,"area on image, %"'
    con = report_connection(small_warehouse)
    expected = con.sql("select label, images, objects from class_split_stats where split = 'val'").fetchall()
    rows = {tuple(line.split(",")[:3]) for line in lines[1:]}
    assert rows == {(label, str(images), str(objects)) for label, images, objects in expected}


def test_no_chart_label_reaches_past_its_chart(probed):
    assert probed["clipped"] == []


def test_the_gallery_shows_images_of_every_split(replica_report):
    page = replica_report.read_text()
    for split in ("train", "val", "test"):
        assert page.count(f'<figure data-split="{split}"><img alt="objects of') == IMAGES_PER_SPLIT
