"""A ValidationReport as text (the CLI), Markdown (CI summaries) or one self-contained HTML page.

Rendered from our own results rather than GX Data Docs: the page needs no network, no CDN assets
and no GX store, and it names figures the way the dataset does ("objects per class: car").
"""

from __future__ import annotations

import textwrap
from collections import Counter
from html import escape

from ..display import BANNER
from .report import CheckResult, ValidationReport


def summary_line(report: ValidationReport) -> str:
    required, failed = len(report.failures(required_only=True)), len(report.failures())
    verdict = "PASSED" if report.all_passed else "FAILED"
    return (
        f"{verdict}: {len(report.results)} expectations in {len(report.suites)} suites, "
        f"{len(report.results) - failed} passed; {required} failed in integrity suites (these block "
        f"publishing), {failed - required} in published-count and completeness suites ({report.seconds:.1f} s)"
    )


def render_text(report: ValidationReport, width: int | None = None) -> str:
    """A grouped summary first (per suite, the groups that differ), then one line per failure.

    With `width` (a terminal's), each line is wrapped to it, continued with an indent, so that a
    long summary stays readable on 80 columns; without it (a pipe, a file) lines stay whole for grep.
    """
    lines = [summary_line(report)]
    passed = []
    for suite in report.suites:
        results = [r for r in report.results if r.suite == suite]
        failed = [r for r in results if not r.success]
        if not failed:
            passed.append(suite)
            continue
        role = "required" if results[0].required else "reported only"
        groups = Counter(r.group for r in failed)
        lines.append(
            f"  {suite} ({role}): {len(failed)} of {len(results)} differ: "
            + ", ".join(f"{group} {count}" for group, count in groups.items())
        )
    if passed and len(passed) < len(report.suites):
        lines.append(f"  every other suite passed: {', '.join(passed)}")
    if report.not_checked:
        lines.append("not checked (published counts of what this warehouse does not hold):")
        lines += [f"  {line}" for line in report.not_checked]
    noted = [r for r in report.findings() if r.observed]
    if noted:
        lines.append("findings (figures, never pass or fail): " + ", ".join(f"{r.key} {r.observed}" for r in noted))
    failures = report.failures()
    if failures:
        lines.append("details:")
        lines += [f"FAIL {result.table}: {result.describe()}" for result in failures]
    if width:
        lines = [_wrapped(line, width) for line in lines]
    return "\n".join(lines) + "\n"


def _wrapped(line: str, width: int) -> str:
    indent = " " * (len(line) - len(line.lstrip()) + 4)
    return textwrap.fill(line, width, subsequent_indent=indent, break_on_hyphens=False) if len(line) > width else line


def _cell(value: object) -> str:
    """A table cell of plain text: values come from the data (file names, labels), so HTML is escaped
    (Markdown passes it through) and a line break, which would end the row, is written as \\n."""
    text = escape(str(value if value is not None else ""), quote=False)
    return text.replace("|", "\\|").replace("\r", "\\r").replace("\n", "\\n")


def render_markdown(report: ValidationReport) -> str:
    out = ["# Warehouse validation", ""]
    if report.synthetic:
        out += [f"> **{BANNER}**", ""]
    out += [f"`{report.database}`", "", f"**{summary_line(report)}**", ""]
    if report.not_checked:
        out += ["Not checked (published counts of what this warehouse does not hold):", ""]
        out += [f"- {line}" for line in report.not_checked] + [""]
    failures = report.failures()
    if failures:
        out += [
            "## Failures",
            "",
            "| table | group | key | expected | found | required |",
            "|---|---|---|---:|---:|---|",
        ]
        out += [
            f"| {r.table} | {_cell(r.group)} | {_cell(r.key)} | {_cell(r.expected)} | {_cell(_found(r))} "
            f"| {'yes' if r.required else 'no'} |"
            for r in failures
        ]
        out.append("")
    if report.findings():
        out += ["## Findings (figures, never pass or fail)", "", "| group | finding | figure |", "|---|---|---:|"]
        out += [f"| {_cell(f.group)} | {_cell(f.key)} | {f.observed} |" for f in report.findings()]
        out.append("")
    for suite in report.suites:
        results = [r for r in report.results if r.suite == suite]
        role = "required" if results and results[0].required else "reported only"
        out += [f"## {suite} ({role})", "", "| | group | key | expected | found |", "|---|---|---|---:|---:|"]
        out += [
            f"| {'ok' if r.success else 'FAIL'} | {_cell(r.group)} | {_cell(r.key)} | {_cell(r.expected)} "
            f"| {_cell(_found(r))} |"
            for r in results
        ]
        out.append("")
    return "\n".join(out)


def _found(result: CheckResult) -> object:
    if result.error:
        return f"error: {result.error}"
    if result.examples:
        return f"{result.observed} (e.g. {'; '.join(result.examples)})"
    return result.observed


STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: .5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: .2em .6em; text-align: left; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td { background: #fde2e1; }
tr.note td { background: #fff4d6; }
.verdict.passed { color: #17692e; } .verdict.failed { color: #a31616; }
.banner { background: #b42318; color: #fff; font-weight: 700; padding: .6em 1em; }
details { margin: .3em 0; } summary { cursor: pointer; font-weight: 600; }
"""


def _row(result: CheckResult, with_table: bool = False) -> str:
    css = "" if result.success else (' class="fail"' if result.required else ' class="note"')
    cells = [escape(result.table)] if with_table else []
    cells += ["ok" if result.success else "FAIL", escape(result.group), escape(result.key)]
    numbers = [escape(str(result.expected)), escape(str(_found(result)))]
    return (
        f"<tr{css}>"
        + "".join(f"<td>{c}</td>" for c in cells)
        + "".join(f'<td class="n">{n}</td>' for n in numbers)
        + "</tr>"
    )


def render_html(report: ValidationReport) -> str:
    verdict = "passed" if report.passed else "failed"
    head = "<tr><th></th><th>group</th><th>key</th><th>expected</th><th>found</th></tr>"
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{'SYNTHETIC DATA · ' if report.synthetic else ''}Warehouse validation</title>",
        f"<style>{STYLE}</style></head><body>",
    ]
    if report.synthetic:
        parts.append(f'<p class="banner" id="synthetic-banner">{escape(BANNER)}</p>')
    parts += [
        "<h1>Warehouse validation</h1>",
        f"<p><code>{escape(str(report.database))}</code></p>",
        f'<p class="verdict {verdict}"><strong>{escape(summary_line(report))}</strong></p>',
    ]
    if report.not_checked:
        parts.append("<p>Not checked (published counts of what this warehouse does not hold):</p><ul>")
        parts += [f"<li>{escape(line)}</li>" for line in report.not_checked]
        parts.append("</ul>")
    failures = report.failures()
    if failures:
        parts += ["<h2>Failures</h2>", "<table><tr><th>table</th>" + head.removeprefix("<tr>")]
        parts += [_row(r, with_table=True) for r in failures]
        parts.append("</table>")
    if report.findings():
        parts += ["<h2>Findings</h2>", "<p>Figures, never passing or failing.</p>"]
        parts.append("<table><tr><th>group</th><th>finding</th><th>figure</th></tr>")
        parts += [
            f'<tr><td>{escape(f.group)}</td><td>{escape(f.key)}</td><td class="n">{f.observed}</td></tr>'
            for f in report.findings()
        ]
        parts.append("</table>")
    parts.append("<h2>Suites</h2>")
    for suite in report.suites:
        results = [r for r in report.results if r.suite == suite]
        failed = sum(not r.success for r in results)
        role = "required" if results and results[0].required else "reported only"
        open_attr = " open" if failed else ""
        parts += [
            f"<details{open_attr}><summary>{escape(suite)} ({role}): {len(results) - failed} of "
            f"{len(results)} passed</summary>",
            f"<table>{head}",
        ]
        parts += [_row(r) for r in results]
        parts.append("</table></details>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
