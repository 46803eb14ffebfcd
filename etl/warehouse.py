"""The one public entry object. The command-line interface mirrors its methods."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import duckdb

from .build import BuildSummary, build
from .config import DEFAULT_WAREHOUSE, Settings
from .layout import DATABASE_FILE, MANIFEST_FILE, READ_ONLY_CONFIG, duckdb_path, native_path, table_dir, table_files
from .manifest import ManifestError, read_manifest
from .outputs import check_html_name, check_output_folder, write_file
from .progress import stage
from .schemas import TABLES
from .user_error import WarehouseError

if TYPE_CHECKING:
    import polars as pl

T = TypeVar("T")
INTERRUPT_POLL_S = 0.1  # how often a query's caller looks for Ctrl-C (see interruptible)

STATS_VIEWS = {"class": "class_stats", "city": "city_stats", "split": "split_stats", "class_city": "class_city_stats"}

# Statement kinds a query may be; anything else (CREATE, COPY, SET, PRAGMA, ...) is refused before it runs.
QUERY_STATEMENTS = {duckdb.StatementType.SELECT, duckdb.StatementType.EXPLAIN}
# DuckDB types polars cannot hold: the query returns them as DuckDB's own text for them.
_AS_TEXT_TYPES = ("INTERVAL", "UNION", "BIT", "BIGNUM", "VARINT")


class QueryRefused(WarehouseError):
    """The query would do something other than read: queries are read-only."""


class Warehouse:
    """A built warehouse directory (see layout.py): `warehouse.duckdb` with the tables and every view,
    each table also as Parquet under `tables/<table>/`, and `manifest.json`.

    >>> wh, summary = Warehouse.build("gtFine_trainvaltest.zip", "warehouse")
    >>> wh.stats("split")
    >>> wh.query("select label, objects from class_stats limit 5")
    >>> wh.table("objects").filter(pl.col("label") == "car").collect()
    """

    def __init__(self, path: str | Path = DEFAULT_WAREHOUSE):
        """`path` is the warehouse folder, or its `warehouse.duckdb`."""
        self.path = Path(path)
        if self.path.name == DATABASE_FILE and self.path.is_file():
            self.path = self.path.parent
        if self.path.is_file():
            raise WarehouseError(
                f"{self.path}: a file, not a warehouse; give the warehouse's folder or its {DATABASE_FILE}"
            )
        try:
            read_manifest(self.path)
        except ManifestError as exc:
            if (self.path / MANIFEST_FILE).exists():  # damaged: a build would refuse the folder too
                raise WarehouseError(f"{exc}; build the warehouse again into a new folder") from exc
            raise WarehouseError(f"{exc}; build one with: cityscapes-warehouse build SOURCE --out {self.path}") from exc
        if not (self.path / DATABASE_FILE).is_file():
            raise WarehouseError(f"{self.path}: the warehouse has lost its {DATABASE_FILE}; build it again")

    @classmethod
    def build(
        cls,
        source: str | Path,
        out: str | Path = DEFAULT_WAREHOUSE,
        settings: Settings | None = None,
        progress: Callable[[int, int], None] | None = None,
        expect_published: bool = False,
        strict: bool = False,
        pixels: bool = False,
        pixel_progress: Callable[[int, int], None] | None = None,
        check_label_pngs: bool = False,
    ) -> tuple[Warehouse, BuildSummary]:
        """Read a source and publish a warehouse at `out`, replacing an earlier one only when the new one
        passes the integrity checks (and the published counts, with `expect_published`; and has no
        reject at all, with `strict`). `pixels` adds the pixel stage, `check_label_pngs` the comparison
        of the source's label PNGs with it (see build.build)."""
        out = Path(out)
        if out.name in ("", ".", ".."):  # `--out .`: staging goes beside the folder, so name it
            out = Path(os.path.abspath(out))
        summary = build(
            source, out, settings, progress, expect_published, strict, pixels, pixel_progress, check_label_pngs
        )
        return cls(out), summary

    def __fspath__(self) -> str:
        """The warehouse directory: subsystems (export, report, checks) take a path, so `wh` is one."""
        return str(self.path)

    @property
    def database(self) -> Path:
        return self.path / DATABASE_FILE

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection without file access: queries can change no file and load no extension."""
        database = duckdb_path(self.database)
        try:
            return duckdb.connect(database, read_only=True, config=READ_ONLY_CONFIG)
        except duckdb.Error as exc:
            if "lock" in _first_line(exc).lower():  # DuckDB lets one process write, and then no other open it
                raise WarehouseError(
                    f"{self.database}: in use by another process that opened it for writing ({_first_line(exc)})"
                ) from exc
            raise WarehouseError(
                f"{self.database}: cannot be opened as a DuckDB database ({_first_line(exc)})"
            ) from exc

    def query(self, sql: str, params: list | dict | None = None, limit: int | None = None) -> pl.DataFrame:
        """The result of one SELECT (or EXPLAIN) as a DataFrame, at most `limit` rows when given.

        Anything else is refused with QueryRefused: queries are read-only. Columns of a type polars
        cannot hold (INTERVAL, UNION, BIT, BIGNUM) come back as DuckDB's text for them.
        """
        _check_read_only(sql)
        con = self.connect()

        def answer() -> pl.DataFrame | None:
            relation = con.sql(sql, params=params)
            if relation is None:
                return None
            return _as_polars(relation if limit is None else relation.limit(limit))

        try:
            frame = interruptible(con, answer)
        except duckdb.Error as exc:
            raise _explain(exc) from exc
        finally:
            con.close()
        if frame is None:
            import polars as pl

            return pl.DataFrame()
        return frame

    def table(self, name: str) -> pl.LazyFrame:
        """A table as a polars LazyFrame over its Parquet files (`tables/<name>/*.parquet`)."""
        if name not in TABLES:
            raise WarehouseError(f"no table '{name}'; tables: {', '.join(TABLES)}")
        import polars as pl  # on first use: a build or a validation never needs polars (0.17 s to import)

        # the folder resolved (layout.native_path), and its files listed here: polars would read a
        # glob character of the folder's own path as a pattern
        files = [native_path(path) for path in table_files(self.path, name)]
        if not files:
            raise WarehouseError(f"{table_dir(self.path, name)}: no Parquet files; build the warehouse again")
        return pl.scan_parquet(files, glob=False)

    def stats(self, by: str = "class") -> pl.DataFrame:
        if by not in STATS_VIEWS:
            raise WarehouseError(f"--by must be one of {', '.join(STATS_VIEWS)}, got '{by}'")
        return self.query(f"select * from {STATS_VIEWS[by]}")

    @stage("validating the warehouse")
    def validate(self, suites: list[str] | None = None):
        """Run the expectation suites (all, or those named) and return the ValidationReport."""
        from .checks import ChecksError, SuiteError, validate_warehouse  # GX imports slowly: only here

        try:
            return validate_warehouse(self.database, suites)
        except (ChecksError, SuiteError) as exc:
            raise WarehouseError(str(exc)) from exc

    def export(
        self, fmt: str, out: str | Path, split: str | None = None, progress: Callable[[int, int], None] | None = None
    ):
        """Write the warehouse as a gtFine release, a Supervisely project or COCO instances files.

        OUT is a new (or empty) folder, never a link and never inside a warehouse.
        """
        from .export import export

        check_output_folder(Path(out))
        return export(self.path, fmt, out, split, progress)  # its ExportError is a WarehouseError

    def report(self, out: str | Path, progress: Callable[[int, int], None] | None = None, force: bool = False) -> Path:
        """Write the one-page HTML report (charts, parity statistics, data quality) to `out`.

        `out` ends in .html; never inside a warehouse; over an existing file only if this tool wrote it,
        or with `force`.
        """
        from .report import render_report

        check_html_name(out)
        return write_file(Path(out), lambda tmp: render_report(self.path, tmp, progress), force)

    def info(self) -> dict:
        """How and from what the warehouse was built (source, synthetic or not, when, counts)."""
        return self.query("select * from build_info").row(0, named=True)


def _check_read_only(sql: str) -> None:
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise WarehouseError(_first_line(exc)) from exc
    if not statements:
        raise QueryRefused("the query holds no statement; give one SELECT, e.g. 'select * from class_stats'")
    if len(statements) > 1:
        raise QueryRefused(
            f"queries are read-only and run one statement at a time; this text holds {len(statements)} "
            f"({', '.join(_kind(s) for s in statements)})"
        )
    statement = statements[0]
    if statement.type not in QUERY_STATEMENTS or (
        statement.type == duckdb.StatementType.EXPLAIN and not _explains_a_select(statement.query)
    ):
        raise QueryRefused(
            f"queries are read-only: only a SELECT (or EXPLAIN of one) runs here, not {_kind(statement)}"
        )


def _kind(statement: duckdb.Statement) -> str:
    # DuckDB files INSTALL under LOAD; a refusal of "install httpfs" saying "not LOAD" confused
    first_word = statement.query.split(None, 1)[0].upper() if statement.query.strip() else ""
    if statement.type == duckdb.StatementType.LOAD and first_word in ("INSTALL", "FORCE"):
        return "INSTALL"
    return statement.type.name


def _explains_a_select(sql: str) -> bool:
    # EXPLAIN ANALYZE runs the statement it explains, so that statement must be a query too.
    explained = re.sub(r"^\s*explain\s+(analy[sz]e\s+)?", "", sql, count=1, flags=re.IGNORECASE)
    try:
        inner = duckdb.extract_statements(explained)
    except duckdb.Error:
        return False
    return explained != sql and [s.type for s in inner] == [duckdb.StatementType.SELECT]


def _as_polars(relation: duckdb.DuckDBPyRelation) -> pl.DataFrame:
    if not any(any(name in str(t) for name in _AS_TEXT_TYPES) for t in relation.types):
        return relation.pl()
    columns = ", ".join(
        f"cast(#{i} as varchar)" if any(name in str(t) for name in _AS_TEXT_TYPES) else f"#{i}"
        for i, t in enumerate(relation.types, start=1)
    )
    names = relation.columns
    frame = relation.query("result", f"select {columns} from result").pl()
    return frame.rename(dict(zip(frame.columns, names, strict=True))) if len(set(names)) == len(names) else frame


def interruptible(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """`work`, a query on `con`, on a thread of its own, so that Ctrl-C stops it at once.

    DuckDB looks for Ctrl-C only now and then while it runs a query: a long join ran on for minutes
    after it. Here the calling thread waits, takes the KeyboardInterrupt and interrupts the
    connection, which ends the query within moments; then the interruption goes on up. It waits in
    short steps: polars, once imported, handles SIGINT with SA_RESTART, so a wait without a timeout
    is resumed by the kernel and Python would see the signal only when the query ends
    (pola-rs/polars#21739).
    """
    with ThreadPoolExecutor(1, thread_name_prefix="duckdb-query") as pool:
        running = pool.submit(work)
        try:
            while True:
                with suppress(TimeoutError):
                    return running.result(timeout=INTERRUPT_POLL_S)
        except KeyboardInterrupt:
            con.interrupt()
            with suppress(duckdb.Error):  # the query's own end: "Interrupted!"
                running.result()
            raise


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _explain(exc: duckdb.Error) -> WarehouseError:
    message = _first_line(exc)
    if isinstance(exc, duckdb.PermissionException) or "read-only" in message or "read only" in message:
        return QueryRefused(
            f"queries are read-only: they cannot write, read other files or load extensions ({message})"
        )
    if "Expected a single SELECT statement" in message:  # query('...') refusing anything but a SELECT
        return QueryRefused(f"queries are read-only: only a SELECT runs here ({message})")
    if "configuration has been locked" in message:
        return QueryRefused(f"queries are read-only: settings cannot be changed ({message})")
    return WarehouseError(message + "".join(f" ({hint})" for hint in _hints(exc)))


# DuckDB's suggestions, on the lines after its message: the line that fixes a typo
HINTS = ("Did you mean", "Candidate bindings", "Candidate tables")


def _hints(exc: BaseException) -> list[str]:
    return [line.strip() for line in str(exc).splitlines()[1:] if line.strip().startswith(HINTS)]
