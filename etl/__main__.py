"""`python -m cityscapes_warehouse`: the same command line as `cityscapes-warehouse`."""

import sys

from .cli import main

sys.exit(main())
