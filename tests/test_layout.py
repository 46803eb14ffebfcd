"""The warehouse layout readers rely on: tables/<table>/ folders, warehouse.duckdb, manifest.json."""

from __future__ import annotations

import polars as pl
import pyarrow.dataset as ds
import pytest

from cityscapes_warehouse.schemas import TABLES


def test_warehouse_holds_only_its_layout(tiny_warehouse):
    assert sorted(p.name for p in tiny_warehouse.path.iterdir()) == ["manifest.json", "tables", "warehouse.duckdb"]
    assert sorted(p.name for p in (tiny_warehouse.path / "tables").iterdir()) == sorted(TABLES)


@pytest.mark.parametrize("table", ["images", "objects", "rejects"])
def test_pyarrow_dataset_reads_a_table_from_its_folder(tiny_warehouse, table):
    expected = tiny_warehouse.query(f"select count(*) from {table}").item()
    assert expected > 0
    assert ds.dataset(tiny_warehouse.path / "tables" / table).count_rows() == expected


@pytest.mark.parametrize("table", ["images", "objects", "rejects"])
def test_polars_reads_a_table_from_a_glob_over_its_folder(tiny_warehouse, table):
    expected = tiny_warehouse.query(f"select count(*) from {table}").item()
    assert pl.scan_parquet(tiny_warehouse.path / "tables" / table / "*.parquet").select(pl.len()).collect().item() == (
        expected
    )


def test_report_is_written_outside_the_warehouse(tmp_path, tiny_warehouse):
    from cityscapes_warehouse.cli import main

    assert main(["report", "--warehouse", str(tiny_warehouse.path), "--out", str(tmp_path / "r.html")]) == 0
    assert sorted(p.name for p in tiny_warehouse.path.iterdir()) == ["manifest.json", "tables", "warehouse.duckdb"]
