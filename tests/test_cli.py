"""The command-line contract: names, help with an example, output, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cityscapes_warehouse.cli import _parser, main

# by the name each subparser was created with, so an alias (`sql`) is not counted twice
COMMANDS = sorted({p.prog.split()[-1] for p in _parser()._subparsers._group_actions[0].choices.values()})
README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.fixture
def built(tmp_path, tiny_folder) -> Path:
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh")]) == 0
    return tmp_path / "wh"


def test_build_prints_a_summary_with_rejects_by_reason(tmp_path, tiny_folder, capsys):
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh")]) == 0
    out = capsys.readouterr().out
    assert "images               3" in out
    assert "objects              8  (of 11 read)" in out
    assert "too_few_points" in out and "unknown_label" in out


def test_build_shows_progress_on_stderr(tmp_path, tiny_folder, capsys):
    main(["build", str(tiny_folder), "--out", str(tmp_path / "wh")])
    assert "reading annotation files: 3/3 (100%)" in capsys.readouterr().err


def test_stats_by_split_prints_a_table(built, capsys):
    assert main(["stats", "--by", "split", "--warehouse", str(built)]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "val" in out and "(2 rows)" in out


def test_sql_csv_output_is_machine_readable(built, capsys):
    assert (
        main(
            [
                "sql",
                "select split, count(*) as n from images group by split order by split",
                "--warehouse",
                str(built),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out == "split,n\ntrain,2\nval,1\n"


def test_sql_json_output_keeps_nested_vertices(built, capsys):
    main(
        [
            "sql",
            "select vertices from polygons where object_id = 'aachen_000000_000019#1'",
            "--warehouse",
            str(built),
            "--format",
            "json",
        ]
    )
    assert json.loads(capsys.readouterr().out) == [
        {"vertices": [{"x": 20, "y": 20}, {"x": 30, "y": 20}, {"x": 20, "y": 30}]}
    ]


def test_sql_that_tries_to_write_is_refused_clearly(built, capsys):
    assert main(["sql", "delete from objects", "--warehouse", str(built)]) == 2
    assert "read-only" in capsys.readouterr().err
    assert main(["sql", "select count(*) from objects", "--warehouse", str(built), "--format", "csv"]) == 0
    assert capsys.readouterr().out == "count_star()\n8\n"


def test_missing_warehouse_says_how_to_build_one(tmp_path, capsys):
    assert main(["stats", "--warehouse", str(tmp_path / "none")]) == 2
    assert "cityscapes-warehouse build SOURCE" in capsys.readouterr().err


def test_missing_source_is_an_error_not_a_traceback(tmp_path, capsys):
    assert main(["build", str(tmp_path / "nowhere.zip"), "--out", str(tmp_path / "wh")]) == 2
    err = capsys.readouterr().err
    assert "nowhere.zip: no such file or folder" in err and "Traceback" not in err


def test_build_refuses_to_replace_a_folder_that_is_not_a_warehouse(tmp_path, tiny_folder, capsys):
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("keep me")
    assert main(["build", str(tiny_folder), "--out", str(precious)]) == 2
    assert (precious / "thesis.tex").read_text() == "keep me"
    assert "is not a warehouse" in capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    assert "example:\n  cityscapes-warehouse " + command in capsys.readouterr().out


def test_console_script_runs_as_a_module():
    done = subprocess.run(
        [sys.executable, "-m", "cityscapes_warehouse.cli", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.startswith("cityscapes-warehouse ")


# the command's entry with an exit handler of Python's own registered before it: it runs only in a teardown
WITHOUT_TEARDOWN = (
    "import atexit; atexit.register(print, 'torn down', flush=True); "
    "from cityscapes_warehouse.cli import run_command; run_command()"
)


def test_a_command_ends_without_pythons_teardown_keeping_its_output_and_exit_code(tiny_warehouse, tmp_path):
    """cli.run_command ends the process at once (0.08 s of teardown saved), with all it wrote and
    the command's exit code, success or failure."""
    answered = subprocess.run(
        [
            sys.executable,
            "-c",
            WITHOUT_TEARDOWN,
            "query",
            "--warehouse",
            str(tiny_warehouse.path),
            "--format",
            "csv",
            "select * from range(20000)",
        ],
        capture_output=True,
        text=True,
    )
    assert answered.returncode == 0, answered.stderr
    assert answered.stdout.splitlines()[1:] == [str(n) for n in range(20000)]  # every row, after the header
    refused = subprocess.run(
        [sys.executable, "-c", WITHOUT_TEARDOWN, "query", "--warehouse", str(tmp_path / "none"), "select 1"],
        capture_output=True,
        text=True,
    )
    assert (refused.returncode, refused.stdout) == (2, "")
    assert "none" in refused.stderr


def test_a_failed_command_keeps_what_it_printed_before_failing(small_warehouse):
    # stdout buffered (a file or a pipe, not PYTHONUNBUFFERED): the banner is printed, then the
    # suite is refused; run_command ends without Python's exit, so it must flush on failure too
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-m", "cityscapes_warehouse", "validate", "--warehouse", str(small_warehouse)]
        + ["--suite", "nosuch"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 2, done.stderr
    assert "no suite named nosuch" in done.stderr
    assert "SYNTHETIC DATA" in done.stdout


def test_the_command_line_starts_without_what_only_some_commands_import():
    # the exporters (pyarrow.compute) and the replica's generator (shapely): 0.06 s of every command
    code = (
        "import sys, cityscapes_warehouse.cli; print(' '.join(sorted({'pandas', 'shapely', 'pyarrow.compute', "
        "'cityscapes_warehouse.export', 'cityscapes_warehouse.replica'} & set(sys.modules))) or 'none')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["none"]


def test_replica_command_writes_a_labelled_replica(tmp_path, capsys):
    assert main(["replica", str(tmp_path / "rep"), "--scale", "0.01", "--zip"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DATA" in out
    assert (tmp_path / "rep" / "gtFine_trainvaltest.zip").is_file()
    assert json.loads((tmp_path / "rep" / "truth.json").read_text())["scale"] == 0.01


def test_demo_builds_the_replica_and_reuses_it(tmp_path, capsys):
    args = ["demo", "--scale", "0.01", "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "wh")]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert "SYNTHETIC DATA" in first and "split statistics" in first and "class statistics" in first
    # a replica of 1 % is no release: held to the published counts, it would fail 192 of them
    assert "the published-count suites are left out" in first and "\nPASSED: " in first
    assert main(args) == 0
    assert "(reused)" in capsys.readouterr().out


def replica_args(command: str, tmp_path: Path) -> list[str]:
    if command == "replica":
        return ["replica", str(tmp_path / "rep")]
    return ["demo", "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "wh")]


def refused_by_the_parser(args: list[str], capsys) -> str:
    """The parser's own error: exit 2 and its one line, the last on stderr."""
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize("command", ["replica", "demo"])
@pytest.mark.parametrize("scale", ["2", "0", "-1", "nan", "inf", "half"])
def test_a_scale_outside_0_to_1_is_refused_before_anything_is_written(command, scale, tmp_path, capsys):
    line = refused_by_the_parser([*replica_args(command, tmp_path), "--scale", scale], capsys)
    assert line == (
        f"cityscapes-warehouse {command}: error: argument --scale: "
        f"must be a number in (0, 1], a fraction of the full release, got '{scale}'"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["replica", "demo"])
@pytest.mark.parametrize("seed", ["-1", "1.5", "x"])
def test_a_seed_that_is_not_a_whole_number_0_or_more_is_refused(command, seed, tmp_path, capsys):
    line = refused_by_the_parser([*replica_args(command, tmp_path), "--seed", seed], capsys)
    assert line == (
        f"cityscapes-warehouse {command}: error: argument --seed: must be a whole number, 0 or more, got '{seed}'"
    )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["replica", "demo"])
def test_the_help_of_scale_and_seed_states_their_range(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--seed N " in help_text and "a whole number 0 or more" in help_text
    assert "--scale F " in help_text and "in (0, 1]" in help_text


def test_validate_exits_1_and_names_each_difference(built, capsys):
    # the tiny warehouse holds 3 cities of 2 splits: held to those cities' figures, not the release's
    assert main(["validate", "--warehouse", str(built), "--suite", "city_stats.published"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("FAILED: 6 expectations in 1 suites, 3 passed")
    assert "  split train: 2 of its 18 cities present" in out
    assert out.rstrip().splitlines()[-3] == "FAIL city_stats: images per city: aachen expected 174, found 1"


def test_validate_exits_0_when_every_suite_passes_and_writes_a_report(built, tmp_path, capsys):
    report = tmp_path / "validation.md"
    assert main(["validate", "--warehouse", str(built), "--suite", "objects.integrity", "--report", str(report)]) == 0
    assert "PASSED" in capsys.readouterr().out
    assert report.read_text().startswith("# Warehouse validation")


def test_validate_refuses_an_unknown_suite(built, capsys):
    assert main(["validate", "--warehouse", str(built), "--suite", "nope.integrity"]) == 2
    assert "nope.integrity" in capsys.readouterr().err


def test_build_expect_published_refuses_a_subset_and_keeps_the_old_warehouse(built, tiny_folder, capsys):
    before = (built / "warehouse.duckdb").stat().st_mtime_ns
    assert main(["build", str(tiny_folder), "--out", str(built), "--expect-published"]) == 2
    err = capsys.readouterr().err
    assert "was not published" in err and "split_stats: total: images expected 5000, found 3" in err
    # every failed suite is named among the lines shown, before a second failure of any suite
    assert [line.split(":")[0].strip() for line in err.splitlines()[-11:-7]] == [
        "city_stats",
        "class_stats",
        "images",
        "split_stats",
    ]
    assert (built / "warehouse.duckdb").stat().st_mtime_ns == before


def test_export_writes_the_chosen_format(built, tmp_path, capsys):
    out = tmp_path / "sly"
    assert main(["export", "--format", "supervisely", str(out), "--warehouse", str(built)]) == 0
    assert "Exported 3 images and 8 objects" in capsys.readouterr().out
    assert (out / "meta.json").is_file()


def test_export_of_an_unknown_split_names_the_splits_there(built, tmp_path, capsys):
    assert main(["export", "--format", "coco", str(tmp_path / "c"), "--warehouse", str(built), "--split", "tset"]) == 2
    err = capsys.readouterr().err
    assert "tset" in err and "train" in err


def test_report_writes_one_self_contained_page(built, tmp_path, capsys):
    page = tmp_path / "report.html"
    assert main(["report", "--out", str(page), "--warehouse", str(built)]) == 0
    assert "Report written to" in capsys.readouterr().out
    html = page.read_text()
    assert html.lstrip().lower().startswith("<!doctype html>") and "<link" not in html


def test_comparing_label_pngs_of_a_source_without_any_says_so(tmp_path, tiny_folder, capsys):
    assert main(["build", str(tiny_folder), "--out", str(tmp_path / "wh"), "--check-label-pngs", "-q"]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines() if "label PNGs" in line)
    assert line.split()[2] == "0" and "the source holds no *_gtFine_labelIds.png" in line
