"""What the command line and a build import: the heavy libraries only where a command needs them.

Every command starts by importing the command line, and a build's worker processes start only
after it: polars (0.17 s), OpenCV and Pillow (0.05 s) imported up front delayed every build and
every `--help`. Each check runs in a fresh interpreter, so nothing imported by the tests counts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("polars", "cv2", "PIL")


def imported_after(code: str) -> dict[str, bool]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {HEAVY!r}}}))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_command_line_starts_without_polars_opencv_or_pillow():
    assert imported_after("import cityscapes_warehouse.cli") == dict.fromkeys(HEAVY, False)


def test_a_build_without_pixels_imports_none_of_them(tiny_folder: Path, tmp_path: Path):
    build = (
        "from cityscapes_warehouse import Warehouse\n"
        f"Warehouse.build({str(tiny_folder)!r}, __import__('pathlib').Path({str(tmp_path / 'wh')!r}))"
    )
    assert imported_after(build) == dict.fromkeys(HEAVY, False)


def test_a_query_imports_polars_when_it_needs_it(tiny_warehouse):
    query = (
        "from cityscapes_warehouse import Warehouse\n"
        f"assert Warehouse({str(tiny_warehouse.path)!r}).query('select 1 as one')['one'].to_list() == [1]"
    )
    assert imported_after(query)["polars"]


def test_the_modules_workers_import_leave_the_package_metadata_unread():
    # every worker imports the package: reading its version from the installed metadata
    # (importlib.metadata) cost each about 50 ms, and only the main process stamps the version
    probe = (
        "import sys\nimport cityscapes_warehouse.batches, cityscapes_warehouse.pixels.stage\n"
        "print('importlib.metadata' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
