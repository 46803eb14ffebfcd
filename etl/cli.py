"""`cityscapes-warehouse`: a thin command-line layer over `Warehouse`; each command mirrors a method."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .audit import AuditError
from .build import BuildSummary, StrictError
from .checks.render import render_html, render_markdown, render_text
from .config import DEFAULT_WAREHOUSE
from .demo import cached_replica, default_cache
from .display import print_frame, shown_path, synthetic_banner
from .progress import Progress, reporting
from .publish import PublishError
from .replica import write_replica
from .resources import ResourceError
from .sources import SourceError
from .version import __version__
from .warehouse import STATS_VIEWS, Warehouse, WarehouseError

PROG = "cityscapes-warehouse"
EXIT_CHECKS_FAILED = 1
EXIT_DATA_ERROR = 2


def _command(sub, name: str, help_text: str, example: str) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars or stage lines on stderr")
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Cityscapes gtFine annotations as a Parquet + DuckDB warehouse.",
        epilog=f"example:\n  {PROG} build gtFine_trainvaltest.zip && {PROG} stats --by split",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = _command(
        sub,
        "build",
        "Read a gtFine zip or folder and write the warehouse.",
        f"{PROG} build ~/datasets/gtFine_trainvaltest.zip --out warehouse",
    )
    p.add_argument("source", help="gtFine_trainvaltest.zip, the extracted gtFine/ folder, or the folder holding it")
    p.add_argument("--out", type=Path, default=DEFAULT_WAREHOUSE, help="warehouse directory (default: %(default)s)")
    p.add_argument(
        "--expect-published",
        action="store_true",
        help="publish only if every published count of the full release matches (off: a subset is fine)",
    )
    p.add_argument("--strict", action="store_true", help="fail (exit 2) on any reject instead of recording it")
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
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="default: %(default)s")
    p.set_defaults(run=_stats)

    p = _command(
        sub,
        "sql",
        "Run a SQL query on a read-only connection to the warehouse.",
        f'{PROG} sql "select label, objects from class_stats order by objects desc limit 5"',
    )
    p.add_argument(
        "query",
        help="the SQL text; tables: images objects polygons labels rejects build_info; "
        "views: class_stats city_stats split_stats class_city_stats stg_*",
    )
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="default: %(default)s")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table", help="default: %(default)s")
    p.set_defaults(run=_sql)

    p = _command(
        sub,
        "validate",
        "Check the warehouse against the published counts and its integrity suites.",
        f"{PROG} validate --report validation.html",
    )
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="default: %(default)s")
    p.add_argument(
        "--suite",
        action="append",
        metavar="NAME",
        help="a suite of expectations/ by name, e.g. class_stats.published (repeatable; default: all)",
    )
    p.add_argument("--report", type=Path, metavar="FILE", help="also write a report: FILE.html or FILE.md")
    p.set_defaults(run=_validate)

    p = _command(
        sub,
        "report",
        "Write one self-contained HTML page of charts, parity statistics and findings.",
        f"{PROG} report --out report.html",
    )
    p.add_argument("--out", type=Path, default=Path("report.html"), help="default: %(default)s")
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="default: %(default)s")
    p.set_defaults(run=_report)

    p = _command(
        sub,
        "export",
        "Write the warehouse as gtFine files, a Supervisely project or COCO instances.",
        f"{PROG} export --format coco coco/ --split val",
    )
    p.add_argument("out", type=Path, help="folder to write into (must not exist, or be empty)")
    p.add_argument("--format", required=True, choices=["gtfine", "supervisely", "coco"], help="output format")
    p.add_argument("--warehouse", type=Path, default=DEFAULT_WAREHOUSE, help="default: %(default)s")
    p.add_argument("--split", help="only this split (default: all)")
    p.set_defaults(run=_export)

    p = _command(
        sub,
        "replica",
        "Write a synthetic gtFine release matching the published counts.",
        f"{PROG} replica replica/ --scale 0.02 --zip",
    )
    p.add_argument("out", type=Path, help="folder to write gtFine/ and truth.json into")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    p.add_argument("--scale", type=float, default=1.0, help="fraction of the full release (default: %(default)s)")
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
    p.add_argument("--seed", type=int, default=0, help="replica seed (default: %(default)s)")
    p.add_argument("--scale", type=float, default=1.0, help="replica scale (default: %(default)s)")
    p.add_argument(
        "--cache",
        type=Path,
        default=default_cache(),
        help="where replicas are kept between runs (default: %(default)s)",
    )
    p.set_defaults(run=_demo)
    return parser


def _build(args) -> int:
    if args.engine == "spark":
        from .spark.build import build_on_spark

        # the label PNGs are checked by the pixel stage, which the Spark build refuses with a message
        pixels = args.pixels or args.check_label_pngs
        summary = build_on_spark(
            args.source, args.out, expect_published=args.expect_published, strict=args.strict, pixels=pixels
        )
    else:
        summary = _build_with_progress(
            args.source,
            args.out,
            expect_published=args.expect_published,
            strict=args.strict,
            pixels=args.pixels,
            check_label_pngs=args.check_label_pngs,
        )
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


def print_summary(summary: BuildSummary, banner: bool = True) -> None:
    if summary.synthetic and banner:
        print(synthetic_banner())
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
        print(
            f"  label PNGs   {summary.label_pngs_compared:>9,}  images compared with their polygons "
            "(differences in label_image_mismatches)"
        )
    if summary.checks is not None:
        checked = len(summary.checks.results)
        print(
            f"  checks       {checked:>9,}  passed before publishing (integrity"
            f"{' and published counts' if any(r.purpose == 'published' for r in summary.checks.results) else ''}"
            f"; run `{PROG} validate` for every suite)"
        )


def _stats(args) -> int:
    wh = Warehouse(args.warehouse)
    if wh.info()["synthetic"]:
        print(synthetic_banner())
    print_frame(wh.stats(args.by), "table", sys.stdout)
    return 0


def _sql(args) -> int:
    wh = Warehouse(args.warehouse)
    result = wh.query(args.query)
    if wh.info()["synthetic"]:
        # on stderr for csv and json, so the data stays machine-readable
        print(synthetic_banner(), file=sys.stdout if args.format == "table" else sys.stderr)
    print_frame(result, args.format, sys.stdout)
    return 0


def _validate(args) -> int:
    wh = Warehouse(args.warehouse)
    if wh.info()["synthetic"]:
        print(synthetic_banner())
    report = wh.validate(args.suite)
    print(render_text(report).rstrip())
    if args.report:
        text = render_markdown(report) if args.report.suffix.lower() == ".md" else render_html(report)
        args.report.write_text(text)
        print(f"report written to {args.report}")
    return 0 if report.all_passed else EXIT_CHECKS_FAILED


def _report(args) -> int:
    progress = Progress("rasterising images", unit="images")
    try:
        out = Warehouse(args.warehouse).report(args.out, progress)
    finally:
        progress.close()
    print(f"Report written to {out} ({out.stat().st_size / 1e6:.1f} MB, one page, no network needed)")
    return 0


def _export(args) -> int:
    wh = Warehouse(args.warehouse)
    progress = Progress(f"exporting {args.format}", unit="images")
    summary = wh.export(args.format, args.out, args.split, progress)
    progress.close()
    if wh.info()["synthetic"]:
        print(synthetic_banner())
    print(
        f"Exported {summary.images:,} images and {summary.objects:,} objects "
        f"(+ {summary.rejected_objects:,} rejected, kept where the format allows) as {args.format} "
        f"into {args.out}: {summary.files:,} files in {summary.seconds:.1f} s"
    )
    return 0


def _replica(args) -> int:
    progress = Progress("writing replica files", unit="files")
    started = time.perf_counter()
    truth = write_replica(
        args.out, seed=args.seed, scale=args.scale, make_zip=args.zip, progress=progress, label_pngs=args.label_pngs
    )
    progress.close()
    print(synthetic_banner())
    print(
        f"Wrote a synthetic replica to {args.out} in {time.perf_counter() - started:.1f} s "
        f"(seed {args.seed}, scale {args.scale:g})"
    )
    print(f"  images       {truth['images']:>9,}")
    print(f"  objects      {truth['objects']:>9,}  (+ {truth['raw_objects'] - truth['objects']:,} planted rejects)")
    for fault, count in truth["faults"].items():
        print(f"    {fault:<22} {count:>7,}")
    return 0


def _demo(args) -> int:
    print(synthetic_banner())
    progress = Progress("writing replica files", unit="files")
    started = time.perf_counter()
    folder, truth, reused = cached_replica(args.cache, args.seed, args.scale, progress)
    progress.close()
    how = "reused" if reused else f"written in {time.perf_counter() - started:.1f} s"
    print(f"Replica (seed {args.seed}, scale {args.scale:g}): {shown_path(folder)} ({how})")
    summary = _build_with_progress(folder, args.out, pixels=True)
    print_summary(summary, banner=False)
    wh = Warehouse(args.out)
    # beside the warehouse, never inside it: the warehouse holds only what its manifest lists
    report = wh.report(args.out.parent / f"{args.out.name}-report.html")
    print("\nexpectation suites (published counts, integrity, findings):")
    print(render_text(wh.validate()).rstrip())
    for by in ("split", "city", "class"):
        print(f"\n{by} statistics ({STATS_VIEWS[by]}):")
        print_frame(wh.stats(by), "table", sys.stdout)
    print(f"\nReport: {report} (open it in a browser)")
    print(f'Query it: {PROG} sql "select * from dn_class_balance" --warehouse {args.out}')
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        with reporting(quiet=args.quiet):
            return args.run(args)
    except (SourceError, PublishError, ResourceError, WarehouseError, AuditError, StrictError) as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_DATA_ERROR
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted; the published warehouse was not changed", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
