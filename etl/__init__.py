"""Cityscapes gtFine annotations as a Parquet + DuckDB warehouse. Entry point: `Warehouse`."""

__all__ = ["Warehouse", "WarehouseError", "__version__"]


def __getattr__(name: str):
    # Imported on first use, not with the package: every worker process imports the package to
    # reach its own module (parsing, rasterising), and `Warehouse` brings DuckDB and polars, which
    # no worker needs (about 90 MB resident in each).
    if name in ("Warehouse", "WarehouseError"):
        from . import warehouse

        return getattr(warehouse, name)
    if name == "__version__":  # read from the installed metadata: importlib.metadata costs a worker 50 ms
        from .version import __version__

        return __version__
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
