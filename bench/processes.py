"""A benchmark job run as its own process, with the peak memory of everything it starts.

The peak is the largest sum of the resident memory of the process and all its descendants (worker
processes, Spark's JVM), sampled from /proc while it runs. Not the kernel's ru_maxrss of the
children: a worker started by spawn is forked first, so its ru_maxrss counts its parent's memory at
the fork although it then execs a fresh interpreter.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from pathlib import Path


def run_measured(
    command: list[str], interval_s: float, env: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess, float]:
    """Run `command` to its end (in `env`, else this process's environment); its output, and the
    peak MB of its process tree."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(interval_s)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()  # reads both pipes as they fill, so a chatty job never blocks
    sampler.join()
    return subprocess.CompletedProcess(command, process.returncode, out, err), peak[0]


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        total += rss.get(current, 0)
        todo += children.get(current, [])
    return total / 1024 / 1024
