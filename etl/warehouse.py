"""The one public entry object. The command-line interface mirrors its methods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import polars as pl

from .build import BuildSummary, build
from .config import DATABASE_FILE, DEFAULT_WAREHOUSE, Settings
from .schemas import TABLES

STATS_VIEWS = {"class": "class_stats", "city": "city_stats", "split": "split_stats", "class_city": "class_city_stats"}


class WarehouseError(Exception):
    """A warehouse cannot be opened or a request to it cannot be answered."""


class Warehouse:
    """A built warehouse directory: Parquet tables plus `warehouse.duckdb` with tables and views.

    >>> wh, summary = Warehouse.build("gtFine_trainvaltest.zip", "warehouse")
    >>> wh.stats("split")
    >>> wh.query("select label, objects from class_stats limit 5")
    >>> wh.table("objects").filter(pl.col("label") == "car").collect()
    """

    def __init__(self, path: str | Path = DEFAULT_WAREHOUSE):
        self.path = Path(path)
        if not (self.path / DATABASE_FILE).is_file():
            raise WarehouseError(
                f"{self.path}: no warehouse here (no {DATABASE_FILE}); "
                f"build one with: cityscapes-warehouse build SOURCE --out {self.path}"
            )

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
    ) -> tuple[Warehouse, BuildSummary]:
        """Read a source and publish a warehouse at `out`, replacing an earlier one only when the new one
        passes the integrity checks (and the published counts, with `expect_published`; and has no
        reject at all, with `strict`). `pixels` adds the pixel stage (see build.build)."""
        summary = build(source, Path(out), settings, progress, expect_published, strict, pixels, pixel_progress)
        return cls(out), summary

    def __fspath__(self) -> str:
        """The warehouse directory: subsystems (export, report, checks) take a path, so `wh` is one."""
        return str(self.path)

    @property
    def database(self) -> Path:
        return self.path / DATABASE_FILE

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection: queries can never change the warehouse."""
        return duckdb.connect(str(self.database), read_only=True)

    def query(self, sql: str, params: list | dict | None = None) -> pl.DataFrame:
        con = self.connect()
        try:
            relation = con.sql(sql, params=params)
            return relation.pl() if relation is not None else pl.DataFrame()
        except duckdb.Error as exc:
            raise WarehouseError(_explain(exc)) from exc
        finally:
            con.close()

    def table(self, name: str) -> pl.LazyFrame:
        """A table as a polars LazyFrame over its Parquet file."""
        if name not in TABLES:
            raise WarehouseError(f"no table '{name}'; tables: {', '.join(TABLES)}")
        return pl.scan_parquet(self.path / f"{name}.parquet")

    def stats(self, by: str = "class") -> pl.DataFrame:
        if by not in STATS_VIEWS:
            raise WarehouseError(f"--by must be one of {', '.join(STATS_VIEWS)}, got '{by}'")
        return self.query(f"select * from {STATS_VIEWS[by]}")

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
        """Write the warehouse as a gtFine release, a Supervisely project or COCO instances files."""
        from .export import ExportError, export

        try:
            return export(self.path, fmt, out, split, progress)
        except ExportError as exc:
            raise WarehouseError(str(exc)) from exc

    def report(self, out: str | Path, progress: Callable[[int, int], None] | None = None) -> Path:
        """Write the one-page HTML report (charts, parity statistics, data quality) to `out`."""
        from .report import render_report

        return render_report(self.path, Path(out), progress)

    def info(self) -> dict:
        """How and from what the warehouse was built (source, synthetic or not, when, counts)."""
        return self.query("select * from build_info").row(0, named=True)


def _explain(exc: duckdb.Error) -> str:
    message = str(exc)
    if "read-only" in message or "read only" in message:
        return f"the warehouse is read-only here: queries cannot change it ({message.splitlines()[0]})"
    return message
