"""What a Spark build prints: not pyspark's warning about pandas, which this package does not hand to Spark."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("pyspark", reason="the [spark] extra is not installed")

PANDAS_WARNING = "does not yet fully support pandas"
# pyspark's own check, the one that warns on import and at each Arrow task
CHECK = "from pyspark.sql.pandas.utils import require_minimum_pandas_version; require_minimum_pandas_version()"


def _stderr(code: str) -> str:
    done = subprocess.run([sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, check=True)
    return done.stderr


def test_pysparks_pandas_warning_is_silenced_once_the_package_is_imported():
    if PANDAS_WARNING not in _stderr(CHECK):
        pytest.skip("this pyspark does not warn about the installed pandas")
    assert PANDAS_WARNING not in _stderr(f"import cityscapes_warehouse.spark; {CHECK}")


def test_other_future_warnings_still_show():
    shown = _stderr("import cityscapes_warehouse.spark, warnings; warnings.warn('something else', FutureWarning)")
    assert "something else" in shown
