"""build_info and the column types dataframe users meet: timestamps as timestamps, the source as
given, the low-cardinality columns dictionary-encoded (categoricals without decoding strings)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.layout import table_dir, table_files

LOW_CARDINALITY = {
    "images": ["split", "city"],
    "objects": ["label", "category", "base_label"],
    "rejects": ["reason", "label"],
    "labels": ["category"],
}


def test_built_at_is_a_utc_timestamp(tiny_warehouse):
    kind, built_at = tiny_warehouse.query("select typeof(built_at), built_at from build_info").row(0)
    assert kind == "TIMESTAMP WITH TIME ZONE"
    assert timedelta(0) <= datetime.now(UTC) - built_at < timedelta(minutes=10)


def test_relative_source_is_recorded_as_given(tmp_path, tiny_folder, monkeypatch):
    monkeypatch.chdir(tiny_folder.parent)
    wh, _ = Warehouse.build(tiny_folder.name, tmp_path / "wh")
    assert wh.info()["source"] == tiny_folder.name


def test_source_under_the_home_folder_is_recorded_with_a_tilde(tmp_path, tiny_folder, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh")
    assert wh.info()["source"] == f"~/{tiny_folder.relative_to(tmp_path)}"


@pytest.mark.parametrize(("table", "column"), [(t, c) for t, cs in LOW_CARDINALITY.items() for c in cs])
def test_low_cardinality_column_is_dictionary_encoded(tiny_warehouse, table, column):
    meta = pq.ParquetFile(table_files(tiny_warehouse.path, table)[0]).metadata
    chunk = meta.row_group(0).column(meta.schema.names.index(column))
    assert "RLE_DICTIONARY" in chunk.encodings or "PLAIN_DICTIONARY" in chunk.encodings


def test_pyarrow_reads_the_dictionary_as_a_categorical(tiny_warehouse):
    read = pq.read_table(table_dir(tiny_warehouse.path, "objects"), read_dictionary=["label"])
    assert pa.types.is_dictionary(read.schema.field("label").type)
    assert read.column("label").to_pandas().dtype == "category"
