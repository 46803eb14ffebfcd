"""Where the SQL views and expectation suites live: `sql/` and `expectations/` at the project's top
level, shipped inside the package as `cityscapes_warehouse.sql` and `cityscapes_warehouse.expectations`
(see pyproject.toml) and found with importlib.resources, so a wheel installed anywhere and the
editable checkout read the same files.

Nothing found is an error, never an empty list: a warehouse without views or a validation without
suites would otherwise pass on nothing.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from .user_error import WarehouseError

# staging views map 1:1 onto the tables; marts read only staging; checks (the frames the
# integrity suites validate) and dn (Dataset Ninja's statistics, column for column) read staging
# and marts. Each layer is created after the ones it reads.
SQL_LAYERS = ("staging", "marts", "checks", "dn")


class ResourceError(WarehouseError):
    """The package's views or suites are missing: the installation is broken."""


def _directory(package: str) -> Path:
    # pip installs a wheel unpacked and the editable install maps the package onto the checkout,
    # so the resources are a directory on disk (a zipped install is not supported)
    root = files(package)
    if not isinstance(root, Path) or not root.is_dir():
        raise ResourceError(f"{package} is not a directory on disk ({root}); reinstall cityscapes-warehouse")
    return root


SQL_DIR = _directory("cityscapes_warehouse.sql")
EXPECTATIONS_DIR = _directory("cityscapes_warehouse.expectations")


def sql_files(sql_dir: Path | None = None) -> list[Path]:
    """Every view definition, in the order they must be created; none found is a ResourceError."""
    sql_dir = sql_dir or SQL_DIR
    found = [path for layer in SQL_LAYERS for path in sorted((sql_dir / layer).glob("*.sql"))]
    if not found:
        raise ResourceError(f"no view definitions (*.sql) under {sql_dir}; reinstall cityscapes-warehouse")
    return found
