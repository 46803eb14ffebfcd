"""Broken and hostile input: every case has its expected outcome, and nothing read is ever lost.

The corpus is generated here, never committed. Each folder case is one file added beside a good
one; the build must load every good object and reject exactly the expected ones with a reason.
"""

from __future__ import annotations

import json
import os
import stat
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.cli import main
from cityscapes_warehouse.replica import write_replica

TRIANGLE = [[0, 0], [10, 0], [0, 10]]
GOOD = [{"label": "road", "polygon": TRIANGLE}]
GOOD_FILE = "gtFine/train/ulm/ulm_900000_000019_gtFine_polygons.json"


def doc_bytes(objects: list, **fields) -> bytes:
    doc = {"imgHeight": 1024, "imgWidth": 2048, "objects": objects, **fields}
    return json.dumps({k: v for k, v in doc.items() if v is not None}, indent=4).encode()


def good_plus(bad: dict) -> bytes:
    return doc_bytes([*GOOD, bad])


# name: (file name in gtFine/train/ulm unless a path is given, bytes, expected rejects, accepted objects)
CASES = {
    "malformed_json": ("ulm_900001_000019", b'{"imgHeight": 1024, "obj', {"malformed_json": 1}, 0),
    "empty_file": ("ulm_900002_000019", b"", {"malformed_json": 1}, 0),
    "utf8_bom": ("ulm_900003_000019", b"\xef\xbb\xbf" + doc_bytes(GOOD), {}, 1),
    "cut_mid_way": ("ulm_900004_000019", doc_bytes(GOOD * 5)[:150], {"malformed_json": 1}, 0),
    "coordinates_as_strings": (
        "ulm_900005_000019",
        good_plus({"label": "car", "polygon": [["1", "2"], ["3", "4"], ["5", "6"]]}),
        {"bad_coordinates": 1},
        1,
    ),
    "float_coordinates": (
        "ulm_900006_000019",
        good_plus({"label": "car", "polygon": [[1.5, 2], [3, 4], [5, 6]]}),
        {"bad_coordinates": 1},
        1,
    ),
    "nan_coordinates": (
        "ulm_900007_000019",
        good_plus({"label": "car", "polygon": [[float("nan"), 2], [3, 4], [5, 6]]}),
        {"bad_coordinates": 1},
        1,
    ),
    "nested_one_level_too_deep": (
        "ulm_900008_000019",
        good_plus({"label": "car", "polygon": [[[1, 2]], [[3, 4]], [[5, 6]]]}),
        {"bad_coordinates": 1},
        1,
    ),
    "missing_objects": ("ulm_900009_000019", doc_bytes(None), {"missing_field": 1}, 0),
    "missing_img_width": (
        "ulm_900010_000019",
        json.dumps({"imgHeight": 1024, "objects": GOOD}).encode(),
        {"missing_field": 1},
        0,
    ),
    "missing_label": ("ulm_900011_000019", good_plus({"polygon": TRIANGLE}), {"missing_label": 1}, 1),
    "unknown_label": (
        "ulm_900012_000019",
        good_plus({"label": "spaceship", "polygon": TRIANGLE}),
        {"unknown_label": 1},
        1,
    ),
    "zero_one_two_points": (
        "ulm_900013_000019",
        doc_bytes([*GOOD, *({"label": "car", "polygon": TRIANGLE[:n]} for n in range(3))]),
        {"too_few_points": 3},
        1,
    ),
    "enormous_coordinates": (
        "ulm_900014_000019",
        good_plus({"label": "car", "polygon": [[0, 0], [10**12, 0], [0, 9]]}),
        {"bad_coordinates": 1},
        1,
    ),
    "large_but_representable_coordinates": (
        "ulm_900015_000019",
        good_plus({"label": "car", "polygon": [[0, 0], [10**6, 0], [0, 9]]}),
        {},
        2,
    ),
    "bad_file_name": ("ulm_15_19", doc_bytes(GOOD), {"bad_file_name": 1}, 0),
    "same_image_in_two_splits": (
        "gtFine/val/ulm/ulm_900000_000019_gtFine_polygons.json",
        doc_bytes(GOOD),
        {"duplicate_image": 1},
        0,
    ),
    "city_folder_in_the_wrong_split": (
        "gtFine/val/aachen/aachen_000000_000019_gtFine_polygons.json",
        doc_bytes(GOOD),
        {},
        1,
    ),  # loaded as found; validate names the city
    "city_of_name_and_folder_differ": (
        "gtFine/train/ulm/bochum_000000_000019_gtFine_polygons.json",
        doc_bytes(GOOD),
        {"city_mismatch": 1},
        0,
    ),
    "split_folder_unknown": (
        "gtFine/extra/ulm/ulm_900016_000019_gtFine_polygons.json",
        doc_bytes(GOOD),
        {"bad_path": 1},
        0,
    ),
    # 4 MB, a quarter of the size a file may have, parsing into 1.4 million lists (90 MB; at
    # 16 MiB, a process of 1 GB), where the release's densest file holds about 11,000
    "polygon_of_a_million_empty_lists": (
        "ulm_900017_000019",
        b'{"imgHeight":1024,"imgWidth":2048,"objects":[{"label":"road","polygon":['
        + b",".join([b"[]"] * 1_400_000)
        + b"]}]}",
        {"too_large": 1},
        0,
    ),
}


def place(name: str) -> str:
    return name if name.startswith("gtFine/") else f"gtFine/train/ulm/{name}_gtFine_polygons.json"


def write_case(root: Path, name: str) -> None:
    rel, data, _, _ = CASES[name]
    for path, content in ((GOOD_FILE, doc_bytes(GOOD)), (place(rel), data)):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(content)


@pytest.mark.parametrize("name", CASES)
def test_broken_file_gives_its_expected_rejects_and_keeps_the_good_objects(tmp_path, name):
    write_case(tmp_path / "src", name)
    _, _, expected, accepted = CASES[name]
    wh, summary = Warehouse.build(tmp_path / "src", tmp_path / "wh")
    assert summary.rejects_by_reason == expected
    assert summary.objects == 1 + accepted  # the good file's object, plus the case's good ones
    rows = wh.query("select source_path, reason, detail from rejects").rows()
    assert all(path and detail for path, _, detail in rows)  # each names its file and says why


def test_large_coordinates_are_kept_and_flagged_out_of_bounds(tmp_path):
    write_case(tmp_path / "src", "large_but_representable_coordinates")
    wh, _ = Warehouse.build(tmp_path / "src", tmp_path / "wh")
    assert wh.query("select x_max, out_of_bounds from objects where label = 'car'").row(0) == (10**6, True)


def test_an_unreadable_file_is_a_file_reject(tmp_path):
    write_case(tmp_path / "src", "malformed_json")
    (tmp_path / "src" / "gtFine/train/ulm/ulm_900099_000019_gtFine_polygons.json").symlink_to(tmp_path / "gone")
    _, summary = Warehouse.build(tmp_path / "src", tmp_path / "wh")
    assert summary.rejects_by_reason == {"malformed_json": 1, "unreadable": 1}


def test_a_linked_file_is_followed(tmp_path):
    write_case(tmp_path / "src", "utf8_bom")
    target = tmp_path / "elsewhere.json"
    target.write_bytes(doc_bytes(GOOD))
    (tmp_path / "src" / "gtFine/train/ulm/ulm_900098_000019_gtFine_polygons.json").symlink_to(target)
    _, summary = Warehouse.build(tmp_path / "src", tmp_path / "wh")
    assert (summary.objects, summary.rejects) == (3, 0)


def _zip(path: Path, entries: dict[str, bytes], links: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(GOOD_FILE, doc_bytes(GOOD))
        for name, data in entries.items():
            info = zipfile.ZipInfo(name)
            if name in links:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, data, zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.parametrize(
    "entry",
    [
        "gtFine/../../etc/ulm_900001_000019_gtFine_polygons.json",
        "/gtFine/train/ulm/ulm_900001_000019_gtFine_polygons.json",
    ],
)
def test_zip_entry_escaping_the_archive_is_never_read(tmp_path, entry):
    archive = _zip(tmp_path / "evil.zip", {entry: doc_bytes(GOOD)})
    wh, summary = Warehouse.build(archive, tmp_path / "wh")
    assert (summary.objects, summary.rejects_by_reason) == (1, {"unsafe_path": 1})
    assert not (tmp_path / "etc").exists()


def test_zip_entry_that_is_a_symlink_is_never_followed(tmp_path):
    name = "gtFine/train/ulm/ulm_900001_000019_gtFine_polygons.json"
    archive = _zip(tmp_path / "link.zip", {name: b"/etc/passwd"}, links=(name,))
    _, summary = Warehouse.build(archive, tmp_path / "wh")
    assert summary.rejects_by_reason == {"unsafe_path": 1}


def test_zip_bomb_is_refused_before_it_is_inflated(tmp_path):
    name = "gtFine/train/ulm/ulm_900001_000019_gtFine_polygons.json"
    archive = _zip(tmp_path / "bomb.zip", {name: b" " * (8 * 1024 * 1024)})  # deflates about 1000:1
    wh, summary = Warehouse.build(archive, tmp_path / "wh")
    assert summary.rejects_by_reason == {"too_large": 1}
    assert "zip bomb" in wh.query("select detail from rejects").item()


def test_strict_build_fails_on_any_reject_and_publishes_nothing(tmp_path, capsys):
    write_case(tmp_path / "src", "unknown_label")
    assert main(["build", str(tmp_path / "src"), "--out", str(tmp_path / "wh"), "--strict"]) == 2
    err = capsys.readouterr().err
    assert "--strict: 1 reject(s) for a fault of the source (unknown_label 1)" in err and "ulm_900012_000019" in err
    assert "Traceback" not in err and not (tmp_path / "wh").exists()


def test_whole_corpus_mixed_into_a_replica_counts_every_reason_and_keeps_every_good_object(tmp_path, capsys):
    source = tmp_path / "replica"
    truth = write_replica(source, seed=7, scale=0.02)
    (source / "gtFine/train/ulm").mkdir(parents=True, exist_ok=True)
    expected, accepted = Counter(), 0
    for name, (rel, data, reasons, good) in CASES.items():
        if name in ("same_image_in_two_splits", "city_folder_in_the_wrong_split"):
            continue  # these two depend on which other files exist; they are tested above
        (source / place(rel)).parent.mkdir(parents=True, exist_ok=True)
        (source / place(rel)).write_bytes(data)
        expected.update(reasons)
        accepted += good
    faults = truth["faults"]
    expected.update(
        {"too_few_points": faults["points_0"] + faults["points_1"] + faults["points_2"], "deleted": faults["deleted"]}
    )

    assert main(["build", str(source), "--out", str(tmp_path / "wh")]) == 0
    out = capsys.readouterr().out
    for reason, count in expected.items():
        assert f"    {reason:<22} {count:>7,}" in out, reason
    wh = Warehouse(tmp_path / "wh")
    assert wh.query("select count(*) from objects").item() == truth["objects"] + accepted
    assert dict(wh.query("select reason, count(*) from rejects group by reason").rows()) == dict(expected)


def test_every_corpus_file_is_written_by_the_tests_not_committed():
    tracked = os.popen("git ls-files tests").read().split()
    assert not [path for path in tracked if path.endswith(".json") or path.endswith(".zip")]
