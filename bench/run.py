"""Benchmark: our build against the parse floor, a naive script and DuckDB alone, on the full replica.

    .venv/bin/python bench/run.py [--reps 3] [--no-scaling]

Every contender runs as its own process (bench/jobs.py), several times; the table reports the
median wall time and the peak RSS, then the ratios, and is written to bench/RESULTS.md with the
machine's cores and memory. The replicas are generated once and cached. Figures, never asserts:
nothing here fails on a time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from processes import run_measured
from replicas import replica_times, zip_replica

from cityscapes_warehouse import __version__
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.demo import cached_replica, default_cache

HERE = Path(__file__).resolve().parent
SCALES = (0.1, 0.25, 0.5, 1.0, 2.0)
CORES = Settings().workers  # the pixel stage's workers: one per core


def run_job(job: str, *args: str, env: dict[str, str] | None = None) -> dict:
    """Run one job in its own process (in `env`, else this one's environment); add its peak memory
    (every process of it at once) and CPU time."""
    cpu_before = _children_cpu_s()
    done, peak_mb = run_measured([sys.executable, str(HERE / "jobs.py"), job, *map(str, args)], 0.05, env)
    if done.returncode != 0:
        raise RuntimeError(f"bench job {job} failed:\n{done.stderr[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["peak_rss_mb"] = round(peak_mb, 1)
    result["cpu_s"] = round(_children_cpu_s() - cpu_before, 2)
    return result


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(job: str, reps: int, *args: str) -> dict:
    return summarise(job, [run_job(job, *args) for _ in range(reps)])


def measure_interleaved(contenders: dict[str, tuple], reps: int) -> dict[str, dict]:
    """Each contender (name -> job and its arguments) run `reps` times, one of each in turn: this
    machine's speed drifts by tens of percent over minutes, and interleaved runs share the drift,
    so the ratios between contenders hold better than those of runs made one contender after another."""
    runs: dict[str, list[dict]] = {name: [] for name in contenders}
    for _ in range(reps):
        for name, (job, *args) in contenders.items():
            runs[name].append(run_job(job, *args))
    return {name: summarise(contenders[name][0], done) for name, done in runs.items()}


def summarise(job: str, runs: list[dict]) -> dict:
    seconds = " ".join(f"{r['seconds']:.2f}s" for r in runs)
    print(f"  {job:<14} {seconds}", flush=True)
    return {
        "seconds": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "runs": runs,
    }


def machine() -> str:
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next(int(line.split()[1]) for line in meminfo if line.startswith("MemTotal"))
    return f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.1f} GiB memory, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-scaling", action="store_true")
    parser.add_argument("--cache", type=Path, default=default_cache())
    args = parser.parse_args()

    folder, _, _ = cached_replica(args.cache, seed=0, scale=1.0)
    archive = zip_replica(args.cache)
    work = Path(tempfile.mkdtemp(prefix="csw-bench-"))
    print(f"SYNTHETIC replica, full scale: {folder}\nmachine: {machine()}", flush=True)
    contenders = {
        "parse floor": ("parse_floor", folder),
        "parse floor, simdjson": ("simdjson_floor", folder),
        "naive script": ("naive", folder, work / "naive.parquet"),
        "duckdb alone": ("duckdb_alone", folder),
        "build (folder)": ("build", folder, work / "wh"),
        "build (zip)": ("build", archive, work / "wh-zip"),
    }
    results = measure_interleaved(contenders, args.reps)
    views = run_job("views", work / "wh")
    results["validate"] = measure("validate", args.reps, work / "wh")
    # as many runs as the contenders: one run of a 30 s stage moved by 25 % with the machine's drift
    results["pixel stage"] = pixels = measure("pixels", args.reps, work / "wh")
    scaling = {}
    if not args.no_scaling:
        for scale in SCALES:
            source = replica_times(args.cache, 2) if scale == 2.0 else cached_replica(args.cache, 0, scale)[0]
            scaling[scale] = measure("build", 1, source, work / f"wh-{scale}")
            # the pixel stage too: its memory must stay within bounds at every size as well, alone and
            # in the one process of `build --pixels` (the staged tables and DuckDB beside it)
            scaling[scale]["pixels"] = measure("pixels", 1, work / f"wh-{scale}")
            scaling[scale]["build_pixels"] = measure("build_pixels", 1, source, work / f"wh-pixels-{scale}")
    shutil.rmtree(work, ignore_errors=True)
    command = " ".join([".venv/bin/python bench/run.py", *sys.argv[1:]])
    text = report(results, views, scaling, pixels["runs"], command)
    print(text)
    (HERE / "RESULTS.md").write_text(text)
    return 0


def report(results: dict, views: dict, scaling: dict, pixel_runs: list[dict], command: str) -> str:
    pixels = sorted(pixel_runs, key=lambda run: run["ms_per_image"])[(len(pixel_runs) - 1) // 2]  # the median run
    per_core = sorted(run["ms_per_image"] * CORES for run in pixel_runs)
    floor = results["parse floor"]["seconds"]
    build = results["build (folder)"]["seconds"]
    lines = [
        "# Benchmark results (SYNTHETIC replica, 5000 images, 287,540 objects)",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d} with cityscapes-warehouse {__version__} on {machine()}.",
        f"Command: `{command}`. Median wall time of separate processes, warm file cache;",
        "the floors, the naive script, DuckDB alone and both builds run in turn, one of each per round, so",
        "that they share the drift of the machine's speed. Peak RSS is the largest sum of the resident",
        "memory of the job and all its worker processes at one moment (sampled every 50 ms).",
        "",
        "| job | median s | peak RSS MB |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} |" for name, r in results.items()]
    lines += [
        "",
        "| ratio | value |",
        "|---|---:|",
        f"| build (folder) / parse floor | {build / floor:.2f} |",
        f"| build (zip) / parse floor | {results['build (zip)']['seconds'] / floor:.2f} |",
        f"| build (folder) / parse floor, each round | {_round_ratios(results, 'build (folder)', 'parse floor')} |",
        f"| build (zip) / parse floor, each round | {_round_ratios(results, 'build (zip)', 'parse floor')} |",
        f"| naive script / build (folder) | {results['naive script']['seconds'] / build:.2f} |",
        f"| build (folder) / duckdb alone | {build / results['duckdb alone']['seconds']:.2f} |",
        f"| build (folder) / parse floor with simdjson | {build / results['parse floor, simdjson']['seconds']:.2f} |",
        "",
        "| pixel stage (both rasterisations) | value |",
        "|---|---:|",
        f"| images | {pixels['images']:,} |",
        f"| wall ms per image per core (wall x {CORES} cores / images), the median run "
        f"| {pixels['ms_per_image'] * CORES:.2f} |",
        f"| the same, every run | {', '.join(f'{ms:.2f}' for ms in per_core)} |",
        f"| CPU ms per image (all processes) | {pixels['cpu_s'] * 1000 / pixels['images']:.2f} |",
        f"| peak RSS MB (all processes) | {pixels['peak_rss_mb']:.0f} |",
        "",
        "| view (warm) | ms |",
        "|---|---:|",
    ]
    lines += [f"| {view} | {ms} |" for view, ms in views["views_ms"].items()]
    if scaling:
        lines += [
            "",
            "| replica size | build s | build peak RSS MB | pixel stage s | pixel stage peak RSS MB "
            "| build --pixels s | build --pixels peak RSS MB |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        lines += [
            f"| {scale:.0%} | {r['seconds']:.2f} | {r['peak_rss_mb']:.0f} "
            f"| {r['pixels']['seconds']:.2f} | {r['pixels']['peak_rss_mb']:.0f} "
            f"| {r['build_pixels']['seconds']:.2f} | {r['build_pixels']['peak_rss_mb']:.0f} |"
            for scale, r in scaling.items()
        ]
    return "\n".join(lines) + "\n"


def _round_ratios(results: dict, job: str, baseline: str) -> str:
    """`job` over `baseline` within each round, where both ran minutes apart at most: the machine's
    drift moves a round's two figures together, and the ratio of the medians can pair a fast run of
    one with a slow run of the other."""
    pairs = zip(results[job]["runs"], results[baseline]["runs"], strict=True)
    return ", ".join(f"{a['seconds'] / b['seconds']:.2f}" for a, b in pairs)


if __name__ == "__main__":
    sys.exit(main())
