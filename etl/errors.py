"""The command line's one error boundary: which failures are the user's or the machine's (exit 2,
one line naming the path and the cause), which are a bug (exit 70, with a hint to report it).
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import textwrap
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import duckdb

from .user_error import WarehouseError

EXIT_DONE = 0
EXIT_CHECKS_FAILED = 1
EXIT_USER_ERROR = 2
EXIT_BUG = 70  # EX_SOFTWARE in sysexits.h: an internal error
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a command ended by `kill`
# What DuckDB raises, as a plain RuntimeError, when Ctrl-C stops a query it runs (the audit's, a
# query's): it takes the KeyboardInterrupt and raises this instead. The cause is the user's Ctrl-C.
DUCKDB_INTERRUPTED = "Query interrupted"
EXIT_PIPE_CLOSED = 141  # 128 + SIGPIPE, what a shell reports for a writer whose reader went away
EXIT_CODES = {
    EXIT_DONE: "done",
    EXIT_CHECKS_FAILED: "validate found a difference (one line per difference on stdout)",
    EXIT_USER_ERROR: "an error of the input or the machine, explained in one line on stderr "
    "(a missing or broken source, a query that tries to write, a full or read-only disk)",
    EXIT_BUG: "a bug in cityscapes-warehouse: please report it with the command and what it printed",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C); the published warehouse is unchanged",
    EXIT_TERMINATED: "terminated (SIGTERM, as `kill` sends); the published warehouse is unchanged",
    EXIT_PIPE_CLOSED: "the output's reader went away (e.g. `| head`)",
}
REPORT_URL = "the project's issue tracker"

# Exceptions that explain themselves: raised for bad input, a refused request or failed checks. Each
# step's own class (SourceError, PublishError, AuditError, StrictError, OutputError, ...) derives
# from WarehouseError (user_error.py), so the one class catches them all.
USER_ERRORS = (WarehouseError,)
_ERRNO_HINTS = {
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EISDIR: "is a folder, not a file",
    errno.EEXIST: "already exists",
    errno.EBUSY: "is in use or a mount point; choose a folder inside it",
    errno.EXDEV: "is on another file system than its parent folder (a mount point?); choose a folder inside it",
    errno.ENAMETOOLONG: "the name is too long",
    errno.ENOENT: "no such file or folder",
}


def exit_codes_help() -> str:
    lines = ["exit codes:"]
    for code, meaning in EXIT_CODES.items():
        lines += textwrap.wrap(meaning, width=78, initial_indent=f"  {code:<4} ", subsequent_indent=" " * 7)
    return "\n".join(lines)


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the command runs: it unwinds as Ctrl-C does (workers stopped, the
    staging folder removed), where the default action ended the process on the spot."""


_TERMINATED = threading.Event()  # set by the handler: DuckDB turns what it raises into its own error


def _raise_terminated(signum: int, frame: object) -> None:
    _TERMINATED.set()
    raise Terminated


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises Terminated while the command runs; the handler before is put back after.
    Only from the main thread (where Python runs signal handlers), and only over the default action."""
    if threading.current_thread() is not threading.main_thread() or signal.getsignal(signal.SIGTERM) != signal.SIG_DFL:
        yield
        return
    _TERMINATED.clear()
    signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def run_guarded(who: str, run: Callable[[], int]) -> int:
    """Run a command; map what it raises to an exit code and one line on stderr."""
    try:
        with terminate_as_interrupt():
            code = run()
        sys.stdout.flush()  # inside the boundary: a reader gone by now is a closed pipe too
        return code
    except BrokenPipeError:
        # The reader left (`| head`): say nothing more, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    except USER_ERRORS as exc:
        _error(who, str(exc))
    except OSError as exc:
        _error(who, os_error_text(exc))
    except duckdb.IOException as exc:  # DuckDB's own file errors: a full disk, a damaged file
        _error(who, _first_line(exc))
    except KeyboardInterrupt:
        return _interrupted(who)
    except (SystemExit, GeneratorExit):
        raise
    except RuntimeError as exc:
        if _first_line(exc) != DUCKDB_INTERRUPTED:
            return _bug(who, exc)
        return _interrupted(who)
    except BaseException as exc:  # noqa: BLE001  (a Rust panic from polars is a BaseException)
        return _bug(who, exc)
    return EXIT_USER_ERROR


def output_written(who: str, code: int) -> int:
    """stdout and stderr written out, for a process that then ends without Python's own exit, which
    would flush them (cli.run_command): a command that failed may have printed before it failed
    (run_guarded flushes stdout only after a success). The exit code, or: a reader gone by now is a
    closed pipe, as in run_guarded; stdout that cannot be written (a full disk) is named on stderr,
    unless the command failed already and said why (its flush may have met the same error)."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = code or EXIT_PIPE_CLOSED
    except OSError as exc:
        if not code:
            _error(who, f"the standard output could not be written: {os_error_text(exc)}")
        code = code or EXIT_USER_ERROR
    try:
        sys.stderr.flush()
    except OSError:  # nowhere left to say it
        code = code or EXIT_USER_ERROR
    return code


# the commands that publish a warehouse: Ctrl-C leaves the one published before as it was
PUBLISHING = ("build", "demo")


def _interrupted(who: str) -> int:
    """Ctrl-C's line and code, or SIGTERM's (a query DuckDB was running reports either as its own error)."""
    how, code = ("terminated", EXIT_TERMINATED) if _TERMINATED.is_set() else ("interrupted", EXIT_INTERRUPTED)
    unchanged = "; the published warehouse was not changed" if who.split()[-1] in PUBLISHING else ""
    print(f"{who}: {how}{unchanged}", file=sys.stderr)
    return code


def _bug(who: str, exc: BaseException) -> int:
    traceback.print_exc()
    print(
        f"{who}: internal error: {type(exc).__name__}: {_first_line(exc)}\n"
        f"This is a bug in cityscapes-warehouse, not in your input: please report it to {REPORT_URL} "
        "with the command you ran and the lines above.",
        file=sys.stderr,
    )
    return EXIT_BUG


def os_error_text(exc: OSError) -> str:
    """'PATH: cause' for an error of the file system, in words a user can act on."""
    # the system's wording is lower-cased to follow the path; a message of our own is kept as written
    cause = _ERRNO_HINTS.get(exc.errno) or (exc.strerror.lower() if exc.strerror else str(exc))
    paths = [str(p) for p in (exc.filename, exc.filename2) if p is not None]
    return f"{' -> '.join(paths)}: {cause}" if paths else cause


def _error(who: str, message: str) -> None:
    print(f"{who}: error: {message}", file=sys.stderr)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
