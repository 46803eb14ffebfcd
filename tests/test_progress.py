"""Progress as a person sees it: bars and spinners on a terminal (a pseudo-terminal here), plain
lines in a log, nothing with --quiet, and Ctrl-C ending any stage at once."""

from __future__ import annotations

import fcntl
import io
import os
import pty
import select
import struct
import sys
import termios
import time

import pytest

from cityscapes_warehouse.cli import main
from cityscapes_warehouse.progress import Progress, reporting, stage

INTERRUPT_BOUND_S = 10.0  # the issue asks for 2 s; the bound leaves room for a loaded 2-core CI machine
CLEAR = "\r" + " " * 20  # tqdm clears a bar with spaces after a carriage return


def run_in_terminal(code: str, interrupt_on: str | None = None, timeout_s: float = 240) -> tuple[str, int, float]:
    """Run `python -c code` on a 100-column pseudo-terminal; press Ctrl-C once `interrupt_on` shows.

    Returns what the terminal showed, the exit code, and the seconds from Ctrl-C to exit.
    """
    pid, fd = pty.fork()
    if pid == 0:  # the child: its stdin, stdout and stderr are the terminal
        os.execv(sys.executable, [sys.executable, "-c", code])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    shown, pressed, started = b"", None, time.monotonic()
    while time.monotonic() - started < timeout_s:
        if interrupt_on and pressed is None and interrupt_on.encode() in shown:
            os.write(fd, b"\x03")  # the terminal turns it into SIGINT for the whole foreground group
            pressed = time.monotonic()
        if select.select([fd], [], [], 0.05)[0]:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            shown += data
    else:
        os.kill(pid, 9)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - pressed if pressed else 0.0
    return shown.decode(errors="replace"), os.waitstatus_to_exitcode(status), seconds


def cli(*args: str) -> str:
    return f"import sys; from cityscapes_warehouse.cli import main; sys.exit(main({list(args)!r}))"


def test_build_draws_a_bar_per_stage_and_clears_it(tmp_path, tiny_folder):
    shown, code, _ = run_in_terminal(cli("build", str(tiny_folder), "--out", str(tmp_path / "wh"), "--pixels"))
    assert code == 0, shown
    for stage_name in ("reading annotation files", "rasterising images"):
        bar = shown.index(f"{stage_name}:")
        assert "%|" in shown[bar : bar + 100], shown  # a bar, with rate and ETA in tqdm's brackets
        assert CLEAR in shown[bar:], f"{stage_name} bar never cleared"
    assert "writing the warehouse" in shown and "auditing the staged warehouse" in shown  # the spinners
    summary = shown.index("Built ")
    assert shown.rindex("%|") < summary  # every bar came before the summary and none is left on screen


def test_quiet_build_writes_nothing_on_stderr(tmp_path, tiny_folder, capsys):
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_a_log_gets_a_plain_line_per_tenth_and_a_last_one():
    log = io.StringIO()
    with reporting(stream=log):
        progress = Progress("rasterising images", unit="images")
        for done in range(0, 101):
            progress(done, 100)
    lines = log.getvalue().splitlines()
    assert len(lines) == 11, lines
    assert lines[-1].startswith("rasterising images: 100/100 (100%)") and "images/s" in lines[-1]
    assert "\r" not in log.getvalue()


def test_a_stage_in_a_log_says_when_it_started_and_ended():
    log = io.StringIO()
    with reporting(stream=log), stage("auditing"):
        pass
    assert log.getvalue().splitlines()[0] == "auditing ..."
    assert log.getvalue().splitlines()[1].startswith("auditing: done in ")


def test_a_stage_outside_the_command_line_is_silent(capsys):
    with stage("auditing"):
        pass
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("stage_name", ["reading annotation files", "rasterising images"])
def test_ctrl_c_ends_a_build_at_once_and_keeps_the_warehouse(tmp_path, small_replica, stage_name):
    out = tmp_path / "wh"
    assert main(["build", str(small_replica), "--out", str(out), "--quiet"]) == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    # small batches and a pool even for 100 images, so Ctrl-C finds busy worker processes
    code = (
        "import cityscapes_warehouse.pixels.stage as stage; stage.MIN_IMAGES_FOR_POOL = 1; stage.BATCH_IMAGES = 4\n"
        + cli("build", str(small_replica), "--out", str(out), "--pixels")
    )
    shown, exit_code, seconds = run_in_terminal(code, interrupt_on=f"{stage_name}:")
    assert exit_code == 130, shown
    assert "interrupted; the published warehouse was not changed" in shown
    assert seconds < INTERRUPT_BOUND_S
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert [p.name for p in tmp_path.iterdir()] == ["wh"]  # no staging folder left beside it
