"""What a Spark build prints: not pyspark's warning about pandas, which this package does not hand to Spark, nor
Spark's log4j banner, WARN lines and stage progress bars."""

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


# the JVM's own notice of the module Spark's launcher adds to every driver; no option turns it off
JVM_NOTICE = "WARNING: Using incubator modules"


def test_a_quiet_spark_build_leaves_stderr_to_the_jvms_notice(tiny_folder, tmp_path):
    out = tmp_path / "warehouse"
    build = ["build", str(tiny_folder), "--out", str(out), "--engine", "spark", "-q"]
    done = subprocess.run([sys.executable, "-m", "cityscapes_warehouse", *build], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (out / "manifest.json").is_file()
    # no log4j banner, no WARN lines, no [Stage 3:====>  (1 + 1) / 2] bars redrawn with \r
    assert [line for line in done.stderr.splitlines() if line.strip() and not line.startswith(JVM_NOTICE)] == []
