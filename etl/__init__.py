"""Cityscapes gtFine annotations as a Parquet + DuckDB warehouse. Entry point: `Warehouse`."""

from .version import __version__

__all__ = ["Warehouse", "WarehouseError", "__version__"]


def __getattr__(name: str):
    # Imported on first use, not with the package: every worker process imports the package to
    # reach its own module (parsing, rasterising), and `Warehouse` brings DuckDB and polars, which
    # no worker needs (about 90 MB resident in each).
    if name in ("Warehouse", "WarehouseError"):
        from . import warehouse

        return getattr(warehouse, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
