"""`python -m cityscapes_warehouse`: the same command line as `cityscapes-warehouse`."""

from .cli import run_command

run_command()
