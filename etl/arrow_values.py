"""Small Arrow tables from Python values, made without pyarrow's pandas probe.

`pa.array`, and every constructor built on it (`Table.from_pylist`, `Schema.empty_table`, ...),
first asks whether its values are a pandas object, and imports pandas to ask: 0.2 s of CPU the
first time in a process, beside the parse workers on a build's busy cores. A build's main process
makes only a few small tables from Python values (the label table, build_info, the empty pixel
tables), so they are made from buffers here, and a build never imports pandas (its workers refuse
it: workers.py). tests/test_arrow_values.py checks each type against `pa.array`'s own result.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pyarrow as pa

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TIME_UNITS = {"s": timedelta(seconds=1), "ms": timedelta(milliseconds=1), "us": timedelta(microseconds=1)}


def table_from_rows(rows: list[dict], schema: pa.Schema) -> pa.Table:
    """`rows` (a dict per row, a value for every field, no nulls) as `pa.Table.from_pylist(rows,
    schema=schema)` makes them. Strings, booleans, integers, floats and timestamps (aware datetimes,
    down to microseconds) are taken; any other type raises TypeError."""
    columns = [array_of([row[field.name] for row in rows], field.type) for field in schema]
    return pa.Table.from_arrays(columns, schema=schema)


def empty_table(schema: pa.Schema) -> pa.Table:
    """`schema.empty_table()`, without the probe."""
    return pa.Table.from_batches([], schema)


def array_of(values: list, kind: pa.DataType) -> pa.Array:
    """`pa.array(values, kind)` for values without nulls, of the types `table_from_rows` takes; a
    value of another Python type raises TypeError (numpy would turn "False" into True)."""
    _check_types(values, kind)
    count = len(values)
    if pa.types.is_string(kind):
        data = [value.encode() for value in values]
        offsets = np.zeros(count + 1, np.int32)
        np.cumsum([len(item) for item in data], out=offsets[1:])
        return pa.Array.from_buffers(kind, count, [None, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))])
    if pa.types.is_boolean(kind):  # Arrow packs booleans a bit each, least significant first
        bits = np.packbits(np.array(values, np.bool_), bitorder="little")
        return pa.Array.from_buffers(kind, count, [None, pa.py_buffer(bits)])
    if pa.types.is_timestamp(kind) and kind.unit in TIME_UNITS:
        # a timedelta divided by a timedelta is an exact integer (total_seconds() is a float)
        ticks = [(value - EPOCH) // TIME_UNITS[kind.unit] for value in values]
        return pa.Array.from_buffers(kind, count, [None, pa.py_buffer(np.array(ticks, np.int64))])
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        numbers = np.array(values, kind.to_pandas_dtype())  # a numpy dtype for these types
        return pa.Array.from_buffers(kind, count, [None, pa.py_buffer(numbers)])
    raise TypeError(f"no Arrow array of {kind} is made from Python values here")


def _check_types(values: list, kind: pa.DataType) -> None:
    if pa.types.is_string(kind):
        taken: tuple[type, ...] = (str,)
    elif pa.types.is_boolean(kind):
        taken = (bool,)
    elif pa.types.is_timestamp(kind):
        taken = (datetime,)
    elif pa.types.is_integer(kind):
        taken = (int,)
    elif pa.types.is_floating(kind):
        taken = (int, float)
    else:
        return  # a type array_of does not make: it says so
    for value in values:
        # bool is an int to Python; a naive datetime has no instant until it is given a zone
        naive = isinstance(value, datetime) and value.tzinfo is None
        if not isinstance(value, taken) or (isinstance(value, bool) and bool not in taken) or naive:
            raise TypeError(f"an Arrow {kind} is not made from {type(value).__name__} {value!r} here")
