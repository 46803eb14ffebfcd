"""What a terminal shows: tables within the width, bounded rows, compact geometry, valid JSON."""

from __future__ import annotations

import io
import json

import polars as pl
import pytest
import shapely

from cityscapes_warehouse.cli import DEFAULT_ROWS, main
from cityscapes_warehouse.display import BANNER, synthetic_banner
from cityscapes_warehouse.frames import print_frame, render_table

WIDE = pl.DataFrame({f"column_number_{i}": [i * 1000.5, i * 2.25] for i in range(12)})


@pytest.fixture
def built(tmp_path, tiny_folder, monkeypatch) -> str:
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh")]) == 0
    return str(tmp_path / "wh")


def test_a_wide_table_fits_80_columns_and_names_the_columns_left_out():
    text = render_table(WIDE, width=80)
    assert max(len(line) for line in text.splitlines()) <= 80
    footer = " ".join(text[text.rindex("└") :].split())
    assert "more columns not shown: " in footer and "column_number_11" in footer


def test_long_column_names_wrap_at_underscores_instead_of_widening_the_column():
    text = render_table(pl.DataFrame({"objects_per_image": [1.5]}), width=80)
    header = [line.strip("│ ") for line in text.splitlines()[1:4]]
    assert header == ["objects_", "per_", "image"]


def test_without_a_width_every_column_is_shown():
    text = render_table(WIDE, width=None)
    row = next(line for line in text.splitlines() if "2.25" in line)
    assert "not shown" not in text and row.count("┆") == 11


def test_stats_by_class_on_80_columns_keeps_each_row_on_one_line(built, capsys):
    capsys.readouterr()
    assert main(["stats", "--by", "class", "--warehouse", built]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(len(line) for line in lines) <= 80
    car = [line for line in lines if "│ car " in line]
    assert len(car) == 1  # one line per class, not wrapped


def test_geometry_is_shown_as_its_kind_and_size_not_hex():
    wkb = shapely.to_wkb(shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(2, 2), (3, 2), (3, 3)]]))
    text = render_table(pl.DataFrame({"geometry": [wkb]}), width=80)
    assert "Polygon, 9 vertices, 1 hole" in text and wkb.hex()[:16] not in text


def test_vertex_lists_show_their_first_points_and_length():
    vertices = [{"x": i, "y": i * 2} for i in range(50)]
    text = render_table(pl.DataFrame({"vertices": [vertices]}), width=80)
    assert "(0,0) (1,2) (2,4) … 50 vertices" in text


def test_query_prints_a_bounded_number_of_rows_and_says_how_to_see_all(built, capsys):
    capsys.readouterr()
    assert main(["query", "select * from range(1000) t(n)", "--warehouse", built]) == 0
    out = capsys.readouterr().out
    assert f"the first {DEFAULT_ROWS} rows shown; there are more: --limit N or --all" in out
    assert f"│ {DEFAULT_ROWS - 1} " in out.replace("  ", " ") or f" {DEFAULT_ROWS - 1} │" in out
    assert f" {DEFAULT_ROWS} │" not in out


def test_query_all_and_limit_change_the_rows_shown(built, capsys):
    capsys.readouterr()
    assert main(["query", "select * from range(100) t(n)", "--warehouse", built, "--all"]) == 0
    assert "(100 rows)" in capsys.readouterr().out
    assert main(["query", "select * from range(100) t(n)", "--warehouse", built, "--limit", "5"]) == 0
    assert "the first 5 rows shown" in capsys.readouterr().out


def test_csv_output_is_not_bounded(built, capsys):
    capsys.readouterr()
    assert main(["query", "select * from range(100) t(n)", "--warehouse", built, "--format", "csv"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 101


def test_json_output_is_valid_with_nan_and_infinity_as_null():
    out = io.StringIO()
    frame = pl.DataFrame({"x": [float("nan"), float("inf"), 1.5], "l": [[float("nan")], [1.0], []]})
    print_frame(frame, "json", out)
    assert json.loads(out.getvalue(), parse_constant=pytest.fail) == [
        {"x": None, "l": [None]},
        {"x": None, "l": [1.0]},
        {"x": 1.5, "l": []},
    ]


def test_sql_json_of_a_nan_query_is_valid_json(built, capsys):
    capsys.readouterr()
    assert main(["query", "select 'nan'::double as x, 1::hugeint as n", "--warehouse", built, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out, parse_constant=pytest.fail) == [{"x": None, "n": 1}]


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_stats_has_a_format_option(built, capsys, fmt):
    capsys.readouterr()
    assert main(["stats", "--by", "split", "--warehouse", built, "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "csv":
        assert out.splitlines()[0].startswith("split,images,")
    elif fmt == "json":
        assert {row["split"] for row in json.loads(out)} == {"train", "val"}
    else:
        assert "│ train" in out


def test_the_synthetic_banner_fits_80_columns_and_keeps_every_word():
    lines = synthetic_banner(80).splitlines()
    assert max(len(line) for line in lines) <= 80
    assert " ".join(lines[1:-1]) == BANNER and lines[0] == lines[-1] == "=" * 80


def test_a_table_shows_control_characters_from_the_data_as_escapes_not_as_terminal_commands():
    """A label or file name may hold ESC sequences (set the title, clear the screen): shown, never run."""
    hostile = "\x1b]0;owned\x07\x1b[2Jred\x9b"
    table = render_table(pl.DataFrame({"label": [hostile], hostile: [1]}))
    assert not any(ch in table for ch in "\x1b\x07\x9b")
    assert "\\x1b" in table
