"""Where the SQL views and expectation suites live: sql/ and expectations/ at the project's top level."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
# staging views map 1:1 onto the tables; marts read only staging; checks (the frames the
# integrity suites validate) and dn (Dataset Ninja's statistics, column for column) read staging
# and marts. Each layer is created after the ones it reads.
SQL_LAYERS = ("staging", "marts", "checks", "dn")


def sql_files() -> list[Path]:
    """Every view definition, in the order they must be created."""
    return [path for layer in SQL_LAYERS for path in sorted((SQL_DIR / layer).glob("*.sql"))]
