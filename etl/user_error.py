"""The one exception a caller of the package catches: every error of its input or of a refused
request derives from WarehouseError.

A source that cannot be read, an output that will not be overwritten, a build refused by its
checks, a query that would write: each has its own class (SourceError, OutputError, AuditError,
QueryRefused, ...) and each is a WarehouseError, whose message names the path and the cause. The
command line turns them into exit 2 (errors.py). A leaf module, so that every module may import it.
"""

from __future__ import annotations


class WarehouseError(Exception):
    """An error of the input or a refused request, explained by its message (see the module)."""
