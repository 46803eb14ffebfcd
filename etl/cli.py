"""`cityscapes-warehouse`: a thin command-line layer over `Warehouse`; each command mirrors a method.

`METHOD_COMMANDS` maps every public method of `Warehouse` to its command (tests/test_cli_contract.py
keeps the two in step); `errors.py` is the one place that turns an exception into an exit code.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import itertools
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import NoReturn

from .audit import PUBLISHED
from .build import BuildSummary
from .catalog import suites_help, views_help
from .checks.render import render_html, render_markdown, render_text
from .checks.suites import load_suites
from .config import DEFAULT_WAREHOUSE
from .demo import cached_replica, default_cache
from .display import FORMATS, shown_path, synthetic_banner, terminal_width
from .errors import EXIT_CHECKS_FAILED, exit_codes_help, output_written, run_guarded
from .formats import EXPORT_FORMATS
from .outputs import HTML_SUFFIXES, check_output_file, write_file
from .progress import Progress, reporting
from .version import __version__
from .warehouse import STATS_VIEWS, Warehouse

PROG = "cityscapes-warehouse"
DEFAULT_ROWS = 40  # rows `query` prints as a table unless --limit or --all says otherwise

# Every public method of Warehouse and the command that runs it (None: no command, and why).
METHOD_COMMANDS = {
    "build": "build",
    "query": "query",
    "stats": "stats",
    "validate": "validate",
    "report": "report",
    "export": "export",
    "info": "info",
    "connect": None,  # a DuckDB connection object is for Python code; `query` is its command
    "table": None,  # a polars LazyFrame is for Python code; `query "select * from TABLE"` prints one
    "database": None,  # a path, shown by `info`
}
# Commands that are not methods of a built warehouse: they make the data a warehouse is built from.
COMMANDS_WITHOUT_METHOD = {"replica", "demo"}
QUERY_ALIAS = "sql"


def _command(sub, name: str, help_text: str, example: str, more: str = "", aliases=()) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        aliases=list(aliases),
        help=help_text,
        description=help_text + (f"\n\n{more}" if more else ""),
        epilog=f"example:\n  {example}\n\nexit codes: see {PROG} --help",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or stage lines on stderr")
    return parser


def _warehouse_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--warehouse",
        type=Path,
        default=DEFAULT_WAREHOUSE,
        help="the warehouse folder or its warehouse.duckdb (default: %(default)s)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Cityscapes gtFine annotations as a Parquet + DuckDB warehouse.",
        epilog=f"example:\n  {PROG} build gtFine_trainvaltest.zip\n  {PROG} stats --by split\n\n{exit_codes_help()}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(
        sub,
        "build",
        "Read the annotations and write the warehouse.",
        f"{PROG} build ~/datasets/gtFine_trainvaltest.zip --out warehouse",
        more="formats read (detected): gtFine_trainvaltest.zip (read in place, never extracted); the gtFine/ folder\n"
        "or the folder holding it; a Supervisely project (Dataset Ninja's export) as a folder or a .tar/.tar.gz;\n"
        "COCO instances as this tool exports them (instances_{split}.json, or the folder holding them)",
    )
    p.add_argument(
        "source",
        help="gtFine_trainvaltest.zip, the gtFine/ folder (or the folder holding it), "
        "a Supervisely project folder or .tar (Dataset Ninja's export), "
        "or COCO instances_{split}.json (or their folder)",
    )
    p.add_argument("--out", type=Path, default=DEFAULT_WAREHOUSE, help="warehouse directory (default: %(default)s)")
    p.add_argument(
        "--expect-published",
        action="store_true",
        help="publish only if every published count of the full release matches (off: a subset is fine)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="fail (exit 2) on any reject for a fault of the source; the release's own conventions "
        "(deleted objects, fewer than 3 points) are not faults",
    )
    p.add_argument(
        "--pixels",
        action="store_true",
        help="also rasterise every image: the official label images' histograms and class weights, "
        "Dataset Ninja's pixel statistics, visibility, heatmaps (see bench/RESULTS.md for the cost)",
    )
    p.add_argument(
        "--check-label-pngs",
        action="store_true",
        help="compare the download's *_gtFine_labelIds.png and *_gtFine_instanceIds.png with the official "
        "rasterisation of the polygons into label_image_mismatches (implies --pixels; decoding the PNGs "
        "costs more than drawing them, see bench/RESULTS.md)",
    )
    p.add_argument(
        "--engine",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="duckdb: this machine's cores (default); spark: Spark tasks, in spark-submit's session or on "
        "local[*] (the [spark] extra; a gtFine folder; see README 'On Apache Spark')",
    )
    p.set_defaults(run=_build)

    p = _command(sub, "stats", "Print the class, city or split statistics.", f"{PROG} stats --by city")
    p.add_argument("--by", choices=list(STATS_VIEWS), default="class", help="which view (default: %(default)s)")
    p.add_argument("--format", choices=FORMATS, default="table", help="default: %(default)s")
    _warehouse_option(p)
    p.set_defaults(run=_stats)

    p = _command(
        sub,
        "query",
        f"Run one SQL query on a read-only connection to the warehouse (`{QUERY_ALIAS}` is an alias).",
        f'{PROG} query "select label, objects from class_stats order by objects desc limit 5"',
        more=views_help(),
        aliases=[QUERY_ALIAS],
    )
    p.add_argument("query", help="one SELECT (or EXPLAIN); anything that would write is refused (exit 2)")
    _warehouse_option(p)
    p.add_argument("--format", choices=FORMATS, default="table", help="default: %(default)s")
    rows = p.add_mutually_exclusive_group()
    rows.add_argument(
        "--limit",
        type=_positive,
        metavar="N",
        help=f"print at most N rows (default: {DEFAULT_ROWS} as a table, every row as csv or json)",
    )
    rows.add_argument("--all", action="store_true", help="print every row, also as a table")
    p.set_defaults(run=_query)

    p = _command(
        sub,
        "validate",
        "Check the warehouse against the published counts and its integrity suites.",
        f"{PROG} validate --report validation.html",
        more=suites_help(),
    )
    _warehouse_option(p)
    p.add_argument(
        "--suite",
        action="append",
        metavar="NAME",
        help="a suite by name, e.g. class_stats.published (repeatable; default: all, listed above)",
    )
    p.add_argument(
        "--report",
        type=_report_file,
        metavar="FILE",
        help="also write a report: FILE.html (HTML) or FILE.md (Markdown); any other name is refused",
    )
    p.add_argument("--force", action="store_true", help="replace FILE even if this tool did not write it")
    p.set_defaults(run=_validate)

    p = _command(
        sub,
        "report",
        "Write one self-contained HTML page of charts, parity statistics and findings.",
        f"{PROG} report --out report.html",
    )
    p.add_argument("--out", type=_html_file, default=Path("report.html"), help="an .html file (default: %(default)s)")
    p.add_argument("--force", action="store_true", help="replace --out even if this tool did not write it")
    _warehouse_option(p)
    p.set_defaults(run=_report)

    p = _command(
        sub,
        "export",
        f"Write the warehouse in another format: {', '.join(EXPORT_FORMATS)}.",
        f"{PROG} export --format coco coco/ --split val",
    )
    p.add_argument("out", type=Path, help="folder to create (it must not exist, or be empty; never inside a warehouse)")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS, help="output format")
    _warehouse_option(p)
    p.add_argument("--split", help="only this split (default: all)")
    p.set_defaults(run=_export)

    p = _command(
        sub,
        "info",
        "Print how and from what the warehouse was built.",
        f"{PROG} info --warehouse warehouse",
    )
    p.add_argument("--format", choices=("table", "json"), default="table", help="default: %(default)s")
    _warehouse_option(p)
    p.set_defaults(run=_info)

    p = _command(
        sub,
        "replica",
        "Write a synthetic gtFine release matching the published counts.",
        f"{PROG} replica replica/ --scale 0.02 --zip",
    )
    p.add_argument("out", type=Path, help="folder to write gtFine/ and truth.json into")
    p.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="N",
        help="random seed, a whole number 0 or more (default: %(default)s)",
    )
    p.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        metavar="F",
        help="fraction of the full release, in (0, 1] (default: %(default)s)",
    )
    p.add_argument("--zip", action="store_true", help="also write gtFine_trainvaltest.zip")
    p.add_argument(
        "--label-pngs",
        action="store_true",
        help="also write each image's _gtFine_labelIds.png and _gtFine_instanceIds.png, as the release has them",
    )
    p.set_defaults(run=_replica)

    p = _command(
        sub,
        "demo",
        "Build the full synthetic replica into a warehouse and show its statistics.",
        f"{PROG} demo --out demo-warehouse",
    )
    p.add_argument("--out", type=Path, default=Path("demo-warehouse"), help="default: %(default)s")
    p.add_argument(
        "--seed",
        type=_seed,
        default=0,
        metavar="N",
        help="replica seed, a whole number 0 or more (default: %(default)s)",
    )
    p.add_argument(
        "--scale",
        type=_scale,
        default=1.0,
        metavar="F",
        help="replica scale: a fraction of the full release, in (0, 1] (default: %(default)s)",
    )
    p.add_argument(
        "--cache",
        type=Path,
        default=default_cache(),
        help="where replicas are kept between runs (default: %(default)s)",
    )
    p.set_defaults(run=_demo)
    return parser


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of rows, 1 or more, got '{text}'")
    return int(text)


def _report_file(text: str) -> Path:
    if Path(text).suffix.lower() not in (".html", ".md"):
        raise argparse.ArgumentTypeError(f"must end in .html or .md (the report's format), got '{text}'")
    return Path(text)


def _html_file(text: str) -> Path:
    if Path(text).suffix.lower() not in HTML_SUFFIXES:
        raise argparse.ArgumentTypeError(f"must end in .html (the report is one HTML page), got '{text}'")
    return Path(text)


def _seed(text: str) -> int:
    # numpy's generators, which the replica seeds, take no negative seed
    if not (text.isascii() and text.isdigit()):
        raise argparse.ArgumentTypeError(f"must be a whole number, 0 or more, got '{text}'")
    return int(text)


def _scale(text: str) -> float:
    try:
        scale = float(text)
    except ValueError:
        scale = math.nan
    if not 0 < scale <= 1:  # also refuses nan, which compares false with everything
        raise argparse.ArgumentTypeError(f"must be a number in (0, 1], a fraction of the full release, got '{text}'")
    return scale


def show_banner(synthetic: bool, fmt: str = "table") -> None:
    """The SYNTHETIC banner, when it applies: on stdout beside a table, on stderr beside csv or json."""
    if synthetic:
        out = sys.stdout if fmt == "table" else sys.stderr
        print(synthetic_banner(terminal_width(out)), file=out)


def _build(args) -> int:
    options = {
        "expect_published": args.expect_published,
        "strict": args.strict,
        "pixels": args.pixels,
        "check_label_pngs": args.check_label_pngs,
    }
    if args.engine == "spark":
        from .spark.build import build_on_spark

        summary = build_on_spark(args.source, args.out, **options)
    else:
        summary = _build_with_progress(args.source, args.out, **options)
    show_banner(summary.synthetic)
    print_summary(summary)
    return 0


def _build_with_progress(source, out, **options) -> BuildSummary:
    files, images = Progress("reading annotation files", unit="files"), Progress("rasterising images", unit="images")
    try:
        _, summary = Warehouse.build(source, out, progress=files, pixel_progress=images, **options)
    finally:
        files.close()
        images.close()
    return summary


def print_summary(summary: BuildSummary) -> None:
    print(f"Built {summary.out} from {summary.source_kind} {shown_path(summary.source)} in {summary.seconds:.1f} s")
    print(f"  files read   {summary.files_read:>9,}")
    print(f"  images       {summary.images:>9,}")
    print(f"  objects      {summary.objects:>9,}  (of {summary.objects_read:,} read)")
    print(f"  rejects      {summary.rejects:>9,}")
    for reason, count in summary.rejects_by_reason.items():
        print(f"    {reason:<22} {count:>7,}")
    if summary.pixels:
        print(f"  pixels       {summary.images:>9,}  images rasterised (pixel statistics, visibility, heatmaps)")
    if summary.label_pngs_compared is not None:
        compared = summary.label_pngs_compared
        print(
            f"  label PNGs   {compared:>9,}  images compared with their polygons "
            + (
                "(differences in label_image_mismatches)"
                if compared
                else "(--check-label-pngs: the source holds no *_gtFine_labelIds.png or *_gtFine_instanceIds.png)"
            )
        )
    if summary.checks is not None:
        checked = len(summary.checks.results)
        print(
            f"  checks       {checked:>9,}  passed before publishing (integrity"
            f"{' and published counts' if any(r.purpose == 'published' for r in summary.checks.results) else ''}"
            f"; run `{PROG} validate` for every suite)"
        )


def _stats(args) -> int:
    from .frames import print_frame  # polars, which only the commands that print a table need

    wh = Warehouse(args.warehouse)
    frame = wh.stats(args.by)
    show_banner(wh.info()["synthetic"], args.format)
    print_frame(frame, args.format, sys.stdout, terminal_width(sys.stdout))
    return 0


def _query(args) -> int:
    from .frames import print_frame

    wh = Warehouse(args.warehouse)
    limit = None if args.all else args.limit or (DEFAULT_ROWS if args.format == "table" else None)
    # one row more than shown says whether there are more, without counting them all
    result = wh.query(args.query, limit=None if limit is None else limit + 1)
    more = limit is not None and result.height > limit
    show_banner(wh.info()["synthetic"], args.format)
    print_frame(result.head(limit) if more else result, args.format, sys.stdout, terminal_width(sys.stdout), more)
    return 0


def _validate(args) -> int:
    if args.report:
        check_output_file(args.report, args.force)  # before validating: a refusal after it loses the verdict
    wh = Warehouse(args.warehouse)
    show_banner(wh.info()["synthetic"])
    report = wh.validate(args.suite)
    print(render_text(report, terminal_width(sys.stdout)).rstrip())
    if args.report:
        text = render_markdown(report) if args.report.suffix.lower() == ".md" else render_html(report)
        write_file(args.report, lambda tmp: tmp.write_text(text, encoding="utf-8"), args.force)
        print(f"report written to {args.report}")
    return 0 if report.all_passed else EXIT_CHECKS_FAILED


def _report(args) -> int:
    progress = Progress("rasterising images", unit="images")
    try:
        out = Warehouse(args.warehouse).report(args.out, progress, force=args.force)
    finally:
        progress.close()
    print(f"Report written to {out} ({out.stat().st_size / 1e6:.1f} MB, one page, no network needed)")
    return 0


def _export(args) -> int:
    wh = Warehouse(args.warehouse)
    progress = Progress(f"exporting {args.format}", unit="images")
    try:
        summary = wh.export(args.format, args.out, args.split, progress)
    finally:
        progress.close()
    show_banner(wh.info()["synthetic"])
    print(
        f"Exported {summary.images:,} images and {summary.objects:,} objects "
        f"(+ {summary.rejected_objects:,} rejected, kept where the format allows) as {args.format} "
        f"into {args.out}: {summary.files:,} files in {summary.seconds:.1f} s"
    )
    return 0


def _info(args) -> int:
    wh = Warehouse(args.warehouse)
    info = {"warehouse": str(wh.path), "database": str(wh.database), **wh.info()}
    if args.format == "json":
        print(json.dumps(info, default=str, indent=1))
        return 0
    show_banner(info["synthetic"])
    width = max(len(key) for key in info)
    for key, value in info.items():
        print(f"{key:<{width}}  {round(value, 1) if isinstance(value, float) else value}")
    return 0


def _replica(args) -> int:
    from .replica import write_replica

    progress = Progress("writing replica files", unit="files")
    started = time.perf_counter()
    truth = write_replica(
        args.out, seed=args.seed, scale=args.scale, make_zip=args.zip, progress=progress, label_pngs=args.label_pngs
    )
    progress.close()
    show_banner(True)
    print(
        f"Wrote a synthetic replica to {args.out} in {time.perf_counter() - started:.1f} s "
        f"(seed {args.seed}, scale {args.scale:g})"
    )
    print(f"  images       {truth['images']:>9,}")
    print(f"  objects      {truth['objects']:>9,}  (+ {truth['raw_objects'] - truth['objects']:,} planted rejects)")
    for fault, count in truth["faults"].items():
        print(f"    {fault:<22} {count:>7,}")
    return 0


def demo_report_path(out: Path) -> Path:
    """Beside the warehouse, never in it: a warehouse holds only what build wrote."""
    return out.with_name(f"{out.name}-report.html")


def _demo(args) -> int:
    from .frames import print_frame

    show_banner(True)
    progress = Progress("writing replica files", unit="files")
    started = time.perf_counter()
    folder, truth, reused = cached_replica(args.cache, args.seed, args.scale, progress)
    progress.close()
    how = "reused" if reused else f"written in {time.perf_counter() - started:.1f} s"
    print(f"Replica (seed {args.seed}, scale {args.scale:g}): {shown_path(folder)} ({how})")
    summary = _build_with_progress(folder, args.out, pixels=True)
    print_summary(summary)
    wh = Warehouse(args.out)
    report = wh.report(demo_report_path(args.out))
    suites = None  # every suite: the replica at scale 1 has the release's published counts
    print("\nexpectation suites (published counts, integrity, completeness) and findings:")
    if args.scale < 1:
        suites = [suite.name for suite in load_suites(check_with_gx=False) if suite.purpose != PUBLISHED]
        print(f"(scale {args.scale:g}: the published-count suites are left out; they hold for the whole release)")
    print(render_text(wh.validate(suites), terminal_width(sys.stdout)).rstrip())
    width = terminal_width(sys.stdout)
    for by in ("split", "city", "class"):
        print(f"\n{by} statistics ({STATS_VIEWS[by]}):")
        print_frame(wh.stats(by), "table", sys.stdout, width)
    print(f"\nReport: {report} (open it in a browser)")
    print(f'Query it: {PROG} query "select * from dn_class_balance" --warehouse {args.out}')
    return 0


def main(argv: list[str] | None = None) -> int:
    _light_workers()
    parser = _parser()
    _refuse_double_dash_values(parser, sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)

    def run() -> int:
        with reporting(quiet=args.quiet):
            return args.run(args)

    return run_guarded(f"{PROG} {args.command}", run)


def _refuse_double_dash_values(parser: argparse.ArgumentParser, argv: list[str]) -> None:
    """A usage error for `--option=--`: argparse (3.11) drops a value of `--` as if it ended the
    options, and gave `--out=--` an empty list, which ended the build in an internal error."""
    for token in itertools.takewhile(lambda token: token != "--", argv):
        option, equals, value = token.partition("=")
        if option.startswith("--") and equals and value == "--":
            parser.error(f"argument {option}: a value of '--' cannot be read; write it as ./-- for a folder so named")


def run_command() -> NoReturn:
    """The `cityscapes-warehouse` script and `python -m cityscapes_warehouse`: `main`, then the
    process ends at once, with its exit code.

    Python's teardown after a command (freeing DuckDB, pyarrow, polars and every module) took 0.08
    to 0.09 s, a sixth of a `query`. By then the command has closed what it opened; what it wrote
    to stdout and stderr is flushed here, whether it succeeded or failed (errors.output_written).
    An exception that escapes `main` (argparse's SystemExit for --help or a usage error) ends the
    process the usual way.
    """
    code = main()
    os._exit(output_written(PROG, code))


def _light_workers() -> None:
    """Keep worker processes from importing the command line (and with it DuckDB and polars).

    Workers start by spawn (config.START_METHOD), and spawn runs the parent's main module again in
    each worker unless that module is a package's `__main__`. Run as the `cityscapes-warehouse`
    script, the main module is the script, which imports this module: about 50 MB more in every
    worker, for nothing a worker does. Naming the script as our `__main__` gives it the
    `python -m cityscapes_warehouse` treatment. Only the script that called us is renamed.
    """
    script = sys.modules.get("__main__")
    if script is None or getattr(script, "__spec__", None) is not None:
        return
    names = vars(script)
    # the script pip writes imports run_command (one written by an older version, main)
    if names.get("run_command") is run_command or names.get("main") is main:
        script.__spec__ = importlib.machinery.ModuleSpec(f"{__package__}.__main__", None)


if __name__ == "__main__":
    run_command()
