"""The package as Python users install it: one version, `python -m`, typed, data shipped inside.
(The installed-wheel smoke test is scripts/wheel_smoke.sh, run by CI.)"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

import cityscapes_warehouse

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def test_version_has_one_source_pyproject():
    declared = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert cityscapes_warehouse.__version__ == version("cityscapes-warehouse") == declared


def test_python_dash_m_runs_the_command_line():
    done = subprocess.run(
        [sys.executable, "-m", "cityscapes_warehouse", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"cityscapes-warehouse {cityscapes_warehouse.__version__}"


def test_package_is_marked_typed():
    assert files("cityscapes_warehouse").joinpath("py.typed").is_file()
