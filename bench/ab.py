"""Side by side: a benchmark job on an earlier revision and on this checkout, run after run.

    .venv/bin/python bench/ab.py REV [--job build] [--runs 6] [--source FOLDER]

This machine's speed drifts by tens of percent within minutes, so two figures taken minutes apart
cannot tell a 5 % change from the drift. Here the old and the new code run in turn (old, new, then
new, old, ...), each job in its own process (bench/jobs.py of this checkout, importing the package
of either revision), and the medians of wall time, CPU time and peak memory are compared. REV is
checked out into a temporary git worktree, which is removed at the end. Figures, never asserts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from run import run_job

from cityscapes_warehouse.demo import cached_replica, default_cache

CHECKOUT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rev", help="the earlier revision (a commit, a tag, HEAD~3, ...)")
    parser.add_argument("--job", default="build", help="a job of bench/jobs.py taking SOURCE OUT (default: build)")
    parser.add_argument("--runs", type=int, default=6, help="runs of each side (default: 6)")
    parser.add_argument("--source", type=Path, help="what to build (default: the full replica)")
    args = parser.parse_args()
    source = args.source or cached_replica(default_cache(), seed=0, scale=1.0)[0]
    with tempfile.TemporaryDirectory(prefix="csw-ab-") as work:
        old_package = _checkout(args.rev, Path(work))
        try:
            _compile(old_package / "cityscapes_warehouse", CHECKOUT / "etl")
            sides = {"old": {**os.environ, "PYTHONPATH": str(old_package)}, "new": dict(os.environ)}
            for side, env in sides.items():
                print(f"{side}: {_imported_from(env)}")
            results: dict[str, list[dict]] = {"old": [], "new": []}
            for run in range(args.runs):
                for side in ("old", "new") if run % 2 == 0 else ("new", "old"):
                    result = _run(args.job, source, Path(work) / f"out-{side}", sides[side])
                    results[side].append(result)
                    print(_line(side, result["seconds"], result["cpu_s"], result["peak_rss_mb"]), flush=True)
        finally:
            subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "remove", "--force", str(Path(work) / "old")])
    print(f"\n{args.job} of {source}, {args.runs} runs each, medians (peak: the largest):")
    for side, runs in results.items():
        medians = (statistics.median(r[key] for r in runs) for key in ("seconds", "cpu_s"))
        print(_line(side, *medians, max(r["peak_rss_mb"] for r in runs)))
    return 0


def _line(side: str, seconds: float, cpu_s: float, peak_mb: float) -> str:
    return f"{side}  {seconds:6.2f} s  {cpu_s:6.2f} s CPU  {peak_mb:5.0f} MB"


def _checkout(rev: str, work: Path) -> Path:
    """REV in a worktree under `work`; a folder whose `cityscapes_warehouse` is its package."""
    subprocess.run(["git", "-C", str(CHECKOUT), "worktree", "add", "--detach", str(work / "old"), rev], check=True)
    package = work / "package"
    package.mkdir()
    (package / "cityscapes_warehouse").symlink_to(work / "old" / "etl")
    return package


def _compile(*packages: Path) -> None:
    """Each package's modules compiled, as scripts/setup.sh compiles a checkout: with
    PYTHONDONTWRITEBYTECODE set, a side whose modules are not (or were edited since) compiles them
    from source in every process."""
    for package in packages:
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True, capture_output=True)


def _imported_from(env: dict[str, str]) -> str:
    """The folder the package is imported from in `env`: the old side must not get this checkout's."""
    where = "import cityscapes_warehouse, pathlib; print(pathlib.Path(cityscapes_warehouse.__file__).resolve().parent)"
    found = subprocess.run([sys.executable, "-c", where], env=env, capture_output=True, text=True, check=True)
    return found.stdout.strip()


def _run(job: str, source: Path, out: Path, env: dict[str, str]) -> dict:
    shutil.rmtree(out, ignore_errors=True)  # each run writes anew: replacing a warehouse costs more
    return run_job(job, source, out, env=env)


if __name__ == "__main__":
    sys.exit(main())
