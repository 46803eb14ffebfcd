"""Cityscapes gtFine annotations as a Parquet + DuckDB warehouse. Entry point: `Warehouse`."""

from .version import __version__
from .warehouse import Warehouse, WarehouseError

__all__ = ["Warehouse", "WarehouseError", "__version__"]
