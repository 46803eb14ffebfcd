"""Small tables made from buffers equal pyarrow's own, and a build's main process never imports pandas
(nor shapely or pyarrow.compute, which only its workers use)."""

from __future__ import annotations

import math
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pytest

from cityscapes_warehouse import schemas
from cityscapes_warehouse.arrow_values import array_of, empty_table, table_from_rows
from cityscapes_warehouse.pixels.schemas import PIXEL_TABLES
from cityscapes_warehouse.tables import labels_table

CASES = {
    "string": (pa.string(), ["", "car", "licenseplate", "Zürich ✓", "x" * 300]),
    "bool": (pa.bool_(), [True, False, False, True, True, True, False, True, True]),  # more than a byte
    "int8": (pa.int8(), [-128, 0, 127]),
    "int16": (pa.int16(), [-1, 255, -32768, 32767]),
    "int32": (pa.int32(), [7, -(2**31), 2**31 - 1]),
    "int64": (pa.int64(), [0, 2**53 + 1, -(2**63)]),
    "uint8": (pa.uint8(), [0, 128, 255]),
    "float64": (pa.float64(), [0.0, -0.0, 1 / 3, math.inf, 1e-308]),
    "timestamp us UTC": (pa.timestamp("us", tz="UTC"), [datetime(2026, 12, 2, 11, 59, 58, 123456, tzinfo=UTC)]),
    "timestamp s": (pa.timestamp("s", tz="UTC"), [datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC)]),
    "empty": (pa.string(), []),
}


@pytest.mark.parametrize("case", CASES)
def test_an_array_from_buffers_equals_pyarrows_own(case):
    kind, values = CASES[case]
    made = array_of(values, kind)
    made.validate(full=True)
    assert made.equals(pa.array(values, kind))


def test_an_unsupported_type_is_refused():
    with pytest.raises(TypeError, match="date32"):
        array_of([datetime(2026, 1, 1).date()], pa.date32())


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        (["False"], pa.bool_()),
        ([1, 0], pa.bool_()),
        ([True], pa.int64()),
        (["1.5"], pa.float64()),
        ([None], pa.string()),
        ([datetime(2026, 12, 2, 12, 0)], pa.timestamp("us", tz="UTC")),  # naive: no instant
    ],
)
def test_a_value_of_another_python_type_is_refused_not_coerced(values, kind):
    with pytest.raises(TypeError, match="is not made from"):
        array_of(values, kind)


def test_the_label_table_and_build_info_equal_from_pylist():
    labels = labels_table()
    assert labels.equals(pa.Table.from_pylist(labels.to_pylist(), schema=schemas.LABELS))
    row = {
        "tool_version": "0.1.0",
        "source": "~/data/gtFine",
        "source_kind": "gtfine-folder",
        "synthetic": False,
        "built_at": datetime(2026, 12, 2, 12, 0, tzinfo=UTC),
        "files_read": 5000,
        "objects_read": 287680,
        "pixels": True,
        "seconds": 4.25,
    }
    made = table_from_rows([row], schemas.BUILD_INFO)
    assert made.equals(pa.Table.from_pylist([row], schema=schemas.BUILD_INFO))


def test_empty_tables_equal_the_schemas_own():
    for schema in PIXEL_TABLES.values():
        assert empty_table(schema).equals(schema.empty_table())


PARALLEL_BUILD = """
import sys
from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.config import Settings

if __name__ == "__main__":
    Warehouse.build(sys.argv[1], sys.argv[2], settings=Settings(workers=2, parallel_min_files=1))
    print(" ".join(sorted({"pandas", "shapely", "pyarrow.compute"} & set(sys.modules))) or "none")
"""


def test_a_build_imports_pandas_in_no_process_and_only_its_workers_measure(small_replica: Path, tmp_path: Path):
    # its workers refuse pandas (workers.py), so a main process that imported it would be the only one;
    # shapely and pyarrow.compute are the workers' (geometry.py, tables.py), not the main process's
    script = tmp_path / "build.py"
    script.write_text(PARALLEL_BUILD)
    done = subprocess.run(
        [sys.executable, str(script), str(small_replica), str(tmp_path / "wh")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["none"]
