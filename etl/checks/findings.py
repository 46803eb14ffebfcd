"""Findings: figures about the data (invalid polygons, rejects by reason) that validate and the
report show beside the suites. They are not expectations: a count that cannot fail is no check,
so it is never counted as a passed one. The figures come from the `data_findings` view.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

FINDINGS_VIEW = "data_findings"


@dataclass(frozen=True)
class Finding:
    group: str  # "geometry findings", "rejects by reason"
    key: str  # "invalid polygons", "too_few_points"
    observed: int


def read_findings(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every finding of the warehouse; none for a warehouse built before the view existed."""
    present = con.execute(
        "select count(*) from duckdb_views() where view_name = ? and database_name = current_database()",
        [FINDINGS_VIEW],
    ).fetchone()[0]
    if not present:
        return []
    rows = con.execute(
        f"select finding_group, finding, figure from {FINDINGS_VIEW} order by finding_group, figure desc, finding"
    ).fetchall()
    return [Finding(group, key, int(figure)) for group, key, figure in rows]
