"""How results look in a terminal or a pipe: readable tables, CSV or JSON, and the synthetic banner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TextIO

import polars as pl

BANNER = (
    "SYNTHETIC DATA: this warehouse was built from cityscapes-warehouse's generated replica, "
    "not from the licensed Cityscapes release."
)


def shown_path(path: Path | str) -> str:
    """A path as a person would type it: under the home folder as ~/..., so logs carry no user name."""
    path = Path(path)
    try:
        return f"~/{path.resolve().relative_to(Path.home().resolve())}" if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def synthetic_banner() -> str:
    line = "=" * 100
    return f"{line}\n{BANNER}\n{line}"


def _as_text_columns(df: pl.DataFrame, nested: bool) -> pl.DataFrame:
    """Binary values become hex; with `nested`, lists and structs become JSON text (CSV has neither)."""
    replaced = []
    for name, dtype in df.schema.items():
        if nested and dtype.is_nested():
            replaced.append(pl.Series(name, [json.dumps(v) for v in df[name].to_list()], pl.String))
        elif dtype == pl.Binary:
            replaced.append(pl.Series(name, [None if v is None else v.hex() for v in df[name].to_list()], pl.String))
    return df.with_columns(replaced) if replaced else df


def print_frame(df: pl.DataFrame, fmt: str, out: TextIO) -> None:
    if fmt == "csv":
        out.write(_as_text_columns(df, nested=True).write_csv())
    elif fmt == "json":
        rows = _as_text_columns(df, nested=False).to_dicts()
        out.write(json.dumps(rows, default=str, indent=1) + "\n")
    else:
        with pl.Config(
            tbl_rows=-1,
            tbl_cols=-1,
            tbl_hide_dataframe_shape=True,
            tbl_hide_column_data_types=True,
            tbl_width_chars=10_000,
            fmt_str_lengths=80,
            fmt_float="full",
        ):
            out.write(f"{df}\n")
        out.write(f"({df.height} row{'s' if df.height != 1 else ''})\n")
