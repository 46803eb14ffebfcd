"""Validation returns its report however Python was started.

GX imports PySpark when the [spark] extra is installed, and PySpark's Spark Connect module ends
the interpreter with status 0 at import when it takes the run for a doctest: a `__main__` without
`__file__` or `__spec__`, which is what `python -c` gives. Each run is a fresh interpreter, so
that GX is imported by the code under test and not by the tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from cityscapes_warehouse.checks import load_suites

VALIDATE = """\
import json
from cityscapes_warehouse import Warehouse
report = Warehouse({path!r}).validate(["objects.integrity"])
findings = {{f.key: f.observed for f in report.findings()}}
print(json.dumps({{"checked": len(report.results), "all_passed": report.all_passed, "findings": findings}}))
"""


@pytest.mark.parametrize("started_as", ["python -c", "python script.py"])
def test_validate_returns_its_report_to_the_code_after_it(started_as: str, tiny_warehouse, tmp_path: Path):
    code = VALIDATE.format(path=str(tiny_warehouse.path))
    if started_as == "python -c":
        argv = [sys.executable, "-c", code]
    else:
        script = tmp_path / "script.py"
        script.write_text(code)
        argv = [sys.executable, str(script)]
    done = subprocess.run(argv, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout, f"the interpreter ended inside validate(); stderr: {done.stderr}"
    report = json.loads(done.stdout)
    expectations = len(load_suites(["objects.integrity"], check_with_gx=False)[0].expectations)
    assert (report["checked"], report["all_passed"]) == (expectations, True)
    # TINY: one bow-tie, one vertex past the border, one object of each reject reason
    assert (report["findings"]["invalid polygons"], report["findings"]["out-of-bounds vertices"]) == (1, 1)
    assert report["findings"]["too_few_points"] == report["findings"]["unknown_label"] == 1
