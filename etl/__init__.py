"""Cityscapes gtFine annotations as a Parquet + DuckDB warehouse. Entry point: `Warehouse`."""

__version__ = "0.1.0"

from .warehouse import Warehouse, WarehouseError  # noqa: E402  (needs __version__ above)

__all__ = ["Warehouse", "WarehouseError", "__version__"]
