"""The one Great Expectations context of the process: ephemeral, quiet, offline.

GX is imported lazily (it takes seconds) and only here. Analytics are switched off before the
import, because GX reads the setting when the context is created; progress bars are switched off
because validation runs inside a CLI that prints its own report. The ephemeral context keeps
nothing on disk and sends nothing anywhere. Frames are pandas DataFrames: GX's SQL datasource
returns empty results on DuckDB, so DuckDB computes the frames and GX sees them in memory.
"""

from __future__ import annotations

import os
import sys
import warnings
from contextlib import contextmanager
from functools import cache
from types import SimpleNamespace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas takes a third of a second to import: the build's audit never needs it
    import pandas as pd

DATASOURCE = "warehouse"
BATCH_DEFINITION = "whole frame"


@contextmanager
def _without_pyspark_doctest_exit():
    """Keep PySpark's doctest guard from ending the interpreter while GX imports it.

    GX imports pyspark.sql.connect when PySpark is installed (the [spark] extra); without Spark
    Connect's own dependencies (grpc) that module calls sys.exit(0) at import if `__main__` has
    neither `__spec__` nor `__file__` and `sys.ps1` is unset, taking it for a doctest run: exactly
    `python -c`. A `sys.ps1` for the length of the import fails that test, so the module raises
    ImportError as it does under a script, which GX handles. Of everything GX imports only that
    guard reads `sys.ps1` at import time; `__main__` is left alone (multiprocessing reads it).
    """
    if hasattr(sys, "ps1"):
        yield
        return
    sys.ps1 = ""
    try:
        yield
    finally:
        del sys.ps1


@cache
def gx_modules() -> SimpleNamespace:
    os.environ["GX_ANALYTICS_ENABLED"] = "false"
    with warnings.catch_warnings(), _without_pyspark_doctest_exit():
        # GX imports PySpark when it is installed (the [spark] extra), which warns about the pandas
        # version on every validate; it concerns PySpark's pandas API, which nothing here uses
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
        import great_expectations as gx
        from great_expectations.core import ExpectationSuite
        from great_expectations.exceptions import ExpectationNotFoundError
        from great_expectations.expectations.expectation import (
            ColumnMapExpectation,
            ColumnPairMapExpectation,
            MulticolumnMapExpectation,
        )
        from great_expectations.expectations.expectation_configuration import ExpectationConfiguration
        from great_expectations.expectations.registry import get_expectation_impl
        from pydantic.v1 import ValidationError as PydanticValidationError

    return SimpleNamespace(
        gx=gx,
        ExpectationSuite=ExpectationSuite,
        ExpectationConfiguration=ExpectationConfiguration,
        ExpectationNotFoundError=ExpectationNotFoundError,
        get_expectation_impl=get_expectation_impl,
        PydanticValidationError=PydanticValidationError,
        ROW_EXPECTATIONS=(ColumnMapExpectation, ColumnPairMapExpectation, MulticolumnMapExpectation),
    )


@cache
def context():
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx_modules().gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return ctx


@cache
def datasource():
    return context().data_sources.add_pandas(name=DATASOURCE)


@cache
def batch_definition(table: str):
    """One dataframe asset per table or view, whose batch is the whole frame passed at run time."""
    return datasource().add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(BATCH_DEFINITION)


def validate_frame(table: str, frame: pd.DataFrame, suite, example_columns: tuple[str, ...] = ()):
    """Run a GX suite on one frame; returns GX's validation result (results in GX's own order)."""
    batch = batch_definition(table).get_batch(batch_parameters={"dataframe": frame})
    result_format = {"result_format": "SUMMARY", "unexpected_index_column_names": list(example_columns)}
    return batch.validate(suite, result_format=result_format)
