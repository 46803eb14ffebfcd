"""Settings in one place, and one way to start worker processes."""

from __future__ import annotations

import ast
import dataclasses
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import cityscapes_warehouse
from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.config import START_METHOD, Settings, available_cores, worker_context

PACKAGE_DIR = Path(cityscapes_warehouse.__file__).parent


def multiprocessing_calls(name: str) -> list[str]:
    """Files of the package that call `multiprocessing.<name>`."""
    found = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            func = node.func if isinstance(node, ast.Call) else None
            if (
                isinstance(func, ast.Attribute)
                and func.attr == name
                and isinstance(func.value, ast.Name)
                and func.value.id == "multiprocessing"
            ):
                found.append(path.relative_to(PACKAGE_DIR).as_posix())
    return found


def test_worker_processes_are_never_forked_from_a_build():
    assert START_METHOD == "spawn" and worker_context().get_start_method() == START_METHOD


def test_the_start_method_is_chosen_in_config_alone():
    assert set(multiprocessing_calls("get_context")) == {"config.py"}
    assert not multiprocessing_calls("set_start_method")


def test_the_default_workers_are_the_usable_cores_up_to_eight():
    assert Settings().workers == min(available_cores(), 8) >= 1


@pytest.mark.parametrize("entry", ["run_command", "main"])  # the script pip writes now, and an older one
def test_spawned_workers_of_the_console_script_do_not_run_it_again(monkeypatch, tmp_path, entry):
    """The script `cityscapes-warehouse` imports the whole CLI (DuckDB, polars); spawn would run it
    again in every worker unless the main module is a package's __main__ (multiprocessing decides)."""
    import multiprocessing.spawn
    import types

    from cityscapes_warehouse import cli

    script = types.ModuleType("__main__")
    script.__file__ = str(tmp_path / "cityscapes-warehouse")
    script.__spec__ = None
    setattr(script, entry, getattr(cli, entry))
    monkeypatch.setitem(sys.modules, "__main__", script)
    assert "init_main_from_path" in multiprocessing.spawn.get_preparation_data("worker")

    cli._light_workers()

    prepared = multiprocessing.spawn.get_preparation_data("worker")
    assert "init_main_from_path" not in prepared
    assert prepared["init_main_from_name"] == "cityscapes_warehouse.__main__"  # skipped by spawn's child


def test_another_programs_main_module_is_left_alone(monkeypatch, tmp_path):
    import types

    from cityscapes_warehouse import cli

    program = types.ModuleType("__main__")
    program.__file__ = str(tmp_path / "their_script.py")
    program.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", program)
    cli._light_workers()
    assert program.__spec__ is None


@pytest.mark.parametrize(
    ("codec", "written_as"), [("snappy", "SNAPPY"), ("none", "UNCOMPRESSED"), ("gzip", "GZIP"), ("zstd", "ZSTD")]
)
def test_a_build_writes_its_parquet_files_with_the_codec_chosen(tmp_path, tiny_folder, codec, written_as):
    # the default level (1) stays set: a codec without levels must ignore it, not fail in a writer thread
    wh, _ = Warehouse.build(tiny_folder, tmp_path / "wh", settings=Settings(parquet_compression=codec))
    files = sorted((wh.path / "tables").rglob("*.parquet"))
    assert files
    for file in files:
        metadata = pq.ParquetFile(file).metadata
        codecs = {metadata.row_group(0).column(i).compression for i in range(metadata.num_columns)}
        assert codecs == {written_as}, file.relative_to(wh.path)


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("parquet_compression", "uncompressed", "one of zstd, snappy, gzip, brotli, lz4, none"),
        ("parquet_compression", "ZSTD", "one of zstd, snappy, gzip, brotli, lz4, none"),
        ("parquet_compression_level", 10, "from 1 to 9 for gzip"),
        ("parquet_compression_level", "1", "a whole number"),
        ("row_group_rows", 0, "a whole number, 1 or more"),
        ("pixel_batch_images", 0, "a whole number, 1 or more"),
        ("batch_files", 2.5, "a whole number, 1 or more"),
        ("workers", True, "a whole number, 1 or more"),
        ("pixel_min_images", -1, "a whole number, 0 or more"),
        ("dictionary_columns", "image_id", "a set of column names"),
        ("duckdb_memory_limit", "", "a size DuckDB reads, e.g. '128MB'"),
    ],
)
def test_a_bad_setting_is_refused_when_made_naming_the_field_value_and_what_is_allowed(name, value, allowed):
    codec = {"parquet_compression": "gzip"} if name == "parquet_compression_level" else {}
    with pytest.raises(ValueError) as refused:
        Settings(**codec, **{name: value})
    assert str(refused.value) == f"Settings.{name} must be {allowed}, got {value!r}"


# every int field but the level, found by type so that a count added later is checked too
COUNTS = [f.name for f in dataclasses.fields(Settings) if f.type == "int" and f.name != "parquet_compression_level"]


@pytest.mark.parametrize("name", COUNTS)
def test_every_count_refuses_a_negative_number(name):
    with pytest.raises(ValueError, match=f"^Settings.{name} must be a whole number"):
        Settings(**{name: -1})


def test_a_threshold_of_0_is_allowed_it_means_always_in_parallel():
    assert Settings(parallel_min_files=0, pixel_min_images=0).pixel_min_images == 0
