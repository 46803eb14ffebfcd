"""A ValidationReport as text (the CLI), Markdown (CI summaries) or one self-contained HTML page.

Rendered from our own results rather than GX Data Docs: the page needs no network, no CDN assets
and no GX store, and it names figures the way the dataset does ("objects per class: car").
"""

from __future__ import annotations

from html import escape

from .report import CheckResult, ValidationReport


def summary_line(report: ValidationReport) -> str:
    required, failed = len(report.failures(required_only=True)), len(report.failures())
    verdict = "PASSED" if report.all_passed else "FAILED"
    return (
        f"{verdict}: {len(report.results)} expectations in {len(report.suites)} suites, "
        f"{len(report.results) - failed} passed; {required} failed in integrity suites (these block "
        f"publishing), {failed - required} in published-count and completeness suites ({report.seconds:.1f} s)"
    )


def render_text(report: ValidationReport) -> str:
    lines = []
    for result in report.failures():
        lines.append(f"FAIL {result.table}: {result.describe()}")
    noted = [r for r in report.findings() if r.observed]
    if noted:
        lines.append("findings (reported, never failing): " + ", ".join(f"{r.key} {r.observed}" for r in noted))
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    return str(value if value is not None else "").replace("|", "\\|")


def render_markdown(report: ValidationReport) -> str:
    out = ["# Warehouse validation", "", f"`{report.database}`", "", f"**{summary_line(report)}**", ""]
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
        "<title>Warehouse validation</title>",
        f"<style>{STYLE}</style></head><body>",
        "<h1>Warehouse validation</h1>",
        f"<p><code>{escape(str(report.database))}</code></p>",
        f'<p class="verdict {verdict}"><strong>{escape(summary_line(report))}</strong></p>',
    ]
    failures = report.failures()
    if failures:
        parts += ["<h2>Failures</h2>", "<table><tr><th>table</th>" + head.removeprefix("<tr>")]
        parts += [_row(r, with_table=True) for r in failures]
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
