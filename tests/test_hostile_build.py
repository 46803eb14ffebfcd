"""The hostile cases of issue 12: none stops a build, none is silent, each is its own reject.

Each case is one file (or folder, or archive) beside a good file; the build must publish, keep
the good object and give exactly the expected rejects, every one naming its file.
"""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

import cityscapes_warehouse
from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.parse import COORDINATE_LIMIT, MAX_IMAGE_SIDE

TRIANGLE = [[0, 0], [10, 0], [0, 10]]
GOOD_OBJECTS = [{"label": "road", "polygon": TRIANGLE}]
CITY = "gtFine/train/ulm"
GOOD_FILE = f"{CITY}/ulm_900000_000019_gtFine_polygons.json"


def doc(objects: list, **fields) -> bytes:
    return json.dumps({"imgHeight": 1024, "imgWidth": 2048, "objects": objects, **fields}).encode()


def named(n: int) -> str:
    return f"{CITY}/ulm_{900000 + n:06d}_000019_gtFine_polygons.json"


def build_folder(tmp_path: Path, files: dict[str, bytes]):
    root = tmp_path / "src"
    for rel, data in {GOOD_FILE: doc(GOOD_OBJECTS), **files}.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return Warehouse.build(root, tmp_path / "wh")


def rejects(wh) -> list[tuple]:
    return wh.query("select source_path, draw_order, reason, detail from rejects order by all").rows()


# name: (file bytes, expected rejects by reason, objects accepted beside the good one)
FILE_CASES = {
    "nesting 5000 deep": (
        b'{"imgHeight": 1024, "imgWidth": 2048, "objects": ' + b"[" * 5000 + b"]" * 5000 + b"}",
        {"malformed_json": 1},
        0,
    ),
    "a 5000-digit integer": (
        b'{"imgHeight": 1' + b"0" * 5000 + b', "imgWidth": 2048, "objects": []}',
        {"malformed_json": 1},
        0,
    ),
    "a 5000-digit coordinate": (
        doc([]).replace(b"[]", b'[{"label": "car", "polygon": [[1' + b"0" * 5000 + b", 0], [1, 1], [0, 1]]}]"),
        {"malformed_json": 1},
        0,
    ),
    "imgWidth 2^31": (doc(GOOD_OBJECTS, imgWidth=2**31), {"missing_field": 1}, 0),
    "imgWidth 2^63": (doc(GOOD_OBJECTS, imgWidth=2**63), {"missing_field": 1}, 0),
    "imgHeight beyond the sane side": (doc(GOOD_OBJECTS, imgHeight=MAX_IMAGE_SIDE + 1), {"missing_field": 1}, 0),
    "imgWidth true": (doc(GOOD_OBJECTS, imgWidth=True), {"missing_field": 1}, 0),
    "a label holding a lone surrogate": (
        doc([*GOOD_OBJECTS, {"label": "ca\\ud800r", "polygon": TRIANGLE}]).replace(b"\\\\ud800", b"\\ud800"),
        {"unknown_label": 1},
        1,
    ),
    "true and false as coordinates": (
        doc([*GOOD_OBJECTS, {"label": "car", "polygon": [[True, False], [10, 0], [0, 10]]}]),
        {"bad_coordinates": 1},
        1,
    ),
    "a coordinate beyond the sane range": (
        doc([*GOOD_OBJECTS, {"label": "car", "polygon": [[-(2**31), 0], [2**31 - 1, 0], [0, 10]]}]),
        {"bad_coordinates": 1},
        1,
    ),
    "two objects keys": (
        b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [{"label": "car", "polygon": [[0, 0], [1, 0], [0, 1]]}], '
        b'"objects": []}',
        {"duplicate_key": 1},
        0,
    ),
    "two polygon keys in one object": (
        b'{"imgHeight": 1024, "imgWidth": 2048, "objects": [{"label": "car", "polygon": [[0, 0], [1, 0], [0, 1]], '
        b'"polygon": [[0, 0], [2, 0], [0, 2]]}]}',
        {"duplicate_key": 1},
        0,
    ),
    # deep enough for orjson (its limit is 1024) but not for the json module writing it back
    "a polygon nested 1000 deep beside a good object": (
        doc([]).replace(
            b"[]",
            b'[{"label": "road", "polygon": [[0, 0], [10, 0], [0, 10]]}, {"label": "car", "polygon": '
            + b"[" * 1000
            + b"]" * 1000
            + b"}]",
        ),
        {"too_few_points": 1},
        1,
    ),
    "a colon inside a string is no duplicate": (
        doc([{"label": "car", "polygon": TRIANGLE, "date": "28-Jan-2016 13:57:26"}]),
        {},
        1,
    ),
}


@pytest.mark.parametrize("case", FILE_CASES)
def test_a_hostile_file_is_its_own_reject_and_the_build_goes_on(tmp_path, case):
    data, expected, accepted = FILE_CASES[case]
    wh, summary = build_folder(tmp_path, {named(1): data})
    assert summary.rejects_by_reason == expected
    assert summary.objects == 1 + accepted
    assert all(path and detail for path, _, _, detail in rejects(wh))


def test_the_lone_surrogate_is_kept_as_its_escape(tmp_path):
    data, _, _ = FILE_CASES["a label holding a lone surrogate"]
    wh, _ = build_folder(tmp_path, {named(1): data})
    assert wh.query("select label from rejects").item() == "ca\\ud800r"


def test_the_widest_sane_polygon_fits_every_column(tmp_path):
    """bbox_width_px wrapped around int32 before coordinates were bounded."""
    wide = {"label": "car", "polygon": [[-COORDINATE_LIMIT, 0], [COORDINATE_LIMIT, 0], [0, COORDINATE_LIMIT]]}
    wh, summary = build_folder(tmp_path, {named(1): doc([wide])})
    assert summary.rejects == 0
    assert wh.query("select bbox_width_px, out_of_bounds from objects where label = 'car'").row(0) == (
        2 * COORDINATE_LIMIT + 1,
        True,
    )


def test_more_than_32767_holes_is_an_object_reject(tmp_path):
    hole = [[1, 1], [2, 1], [1, 2]]
    many = {
        "classTitle": "road",
        "geometryType": "polygon",
        "points": {"exterior": TRIANGLE, "interior": [hole] * 32768},
    }
    good = {"classTitle": "road", "geometryType": "polygon", "points": {"exterior": TRIANGLE, "interior": []}}
    root = tmp_path / "project"
    (root / "train/ann").mkdir(parents=True)
    (root / "meta.json").write_text(json.dumps({"classes": [{"title": "road"}], "tags": []}))
    sly = {"size": {"height": 1024, "width": 2048}, "tags": [], "objects": [good, many]}
    (root / "train/ann/ulm_000000_000019_leftImg8bit.png.json").write_text(json.dumps(sly))
    _, summary = Warehouse.build(root, tmp_path / "wh")
    assert (summary.objects, summary.rejects_by_reason) == (1, {"too_many_holes": 1})


def test_a_supervisely_tag_whose_name_is_a_list_is_ignored(tmp_path):
    root = tmp_path / "project"
    (root / "train/ann").mkdir(parents=True)
    (root / "meta.json").write_text(json.dumps({"classes": [{"title": "road"}], "tags": []}))
    obj = {"classTitle": "road", "geometryType": "polygon", "points": {"exterior": TRIANGLE, "interior": []}}
    sly = {"size": {"height": 1024, "width": 2048}, "tags": [{"name": ["ulm"]}, {"name": "ulm"}], "objects": [obj]}
    (root / "train/ann/ulm_000000_000019_leftImg8bit.png.json").write_text(json.dumps(sly))
    wh, summary = Warehouse.build(root, tmp_path / "wh")
    assert (summary.objects, summary.rejects) == (1, 0)
    assert wh.query("select city from images").item() == "ulm"


def test_a_file_name_that_is_not_utf8_is_a_named_reject(tmp_path):
    root = tmp_path / "src"
    build_folder(tmp_path, {})
    folder = os.fsencode(root / CITY)
    with open(os.path.join(folder, b"ulm_\xff\xfe_gtFine_polygons.json"), "wb") as file:
        file.write(doc(GOOD_OBJECTS))
    wh, summary = Warehouse.build(root, tmp_path / "wh2")
    assert summary.rejects_by_reason == {"bad_file_name": 1}
    assert wh.query("select source_path from rejects").item() == f"{CITY}/ulm_\\udcff\\udcfe_gtFine_polygons.json"


def test_a_path_longer_than_path_max_is_a_named_reject(tmp_path):
    root = tmp_path / "src"
    build_folder(tmp_path, {})
    # a chain of folders, made relative to each other, deeper than any absolute path may be
    deep = os.open(root / CITY, os.O_RDONLY)
    for _ in range(20):
        os.mkdir("d" * 250, dir_fd=deep)
        child = os.open("d" * 250, os.O_RDONLY, dir_fd=deep)
        os.close(deep)
        deep = child
    fd = os.open("ulm_900001_000019_gtFine_polygons.json", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=deep)
    os.write(fd, doc(GOOD_OBJECTS))
    os.close(fd)
    os.close(deep)
    wh, summary = Warehouse.build(root, tmp_path / "wh2")
    assert summary.objects == 1
    assert summary.rejects_by_reason == {"unreadable": 1}
    assert "File name too long" in wh.query("select detail from rejects").item()


def test_an_upper_case_json_file_is_read(tmp_path):
    _, summary = build_folder(tmp_path, {f"{CITY}/ulm_900001_000019_gtFine_polygons.JSON": doc(GOOD_OBJECTS)})
    assert (summary.images, summary.rejects_by_reason) == (1, {"bad_file_name": 1})  # named, never skipped


def test_a_linked_city_folder_is_read_and_a_link_loop_ends(tmp_path):
    elsewhere = tmp_path / "elsewhere/bochum"
    elsewhere.mkdir(parents=True)
    (elsewhere / "bochum_000000_000019_gtFine_polygons.json").write_bytes(doc(GOOD_OBJECTS))
    (elsewhere / "loop").symlink_to(tmp_path / "src")  # a link back up to the source
    (tmp_path / "src/gtFine/train").mkdir(parents=True)
    (tmp_path / "src/gtFine/train/bochum").symlink_to(elsewhere)
    _, summary = build_folder(tmp_path, {})
    assert (summary.images, summary.objects) == (2, 2)


def test_an_empty_second_copy_of_an_image_is_a_file_reject(tmp_path):
    wh, summary = build_folder(tmp_path, {"gtFine/val/ulm/ulm_900000_000019_gtFine_polygons.json": doc([])})
    assert (summary.images, summary.rejects_by_reason) == (1, {"duplicate_image": 1})
    assert rejects(wh)[0][:3] == ("gtFine/val/ulm/ulm_900000_000019_gtFine_polygons.json", None, "duplicate_image")


def _zip(path: Path, entries: list[tuple[str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            zf.writestr(name, data)
    return path


def test_a_zip_entry_present_twice_is_a_duplicate_and_the_warehouse_publishes(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        archive = _zip(tmp_path / "gtFine.zip", [(GOOD_FILE, doc(GOOD_OBJECTS)), (GOOD_FILE, doc(GOOD_OBJECTS))])
    wh, summary = Warehouse.build(archive, tmp_path / "wh")
    assert (summary.objects, summary.rejects_by_reason) == (1, {"duplicate_image": 1})
    assert "second copy of this archive member" in rejects(wh)[0][3]


def test_zip_names_with_backslashes_are_read_as_paths(tmp_path):
    archive = _zip(tmp_path / "gtFine.zip", [(GOOD_FILE.replace("/", "\\"), doc(GOOD_OBJECTS))])
    wh, summary = Warehouse.build(archive, tmp_path / "wh")
    assert (summary.objects, summary.rejects) == (1, 0)
    assert wh.query("select split, city from images").row(0) == ("train", "ulm")


def test_a_backslash_name_escaping_the_archive_is_still_unsafe(tmp_path):
    archive = _zip(
        tmp_path / "gtFine.zip",
        [(GOOD_FILE, doc(GOOD_OBJECTS)), ("gtFine\\..\\..\\ulm_900001_000019_gtFine_polygons.json", doc(GOOD_OBJECTS))],
    )
    _, summary = Warehouse.build(archive, tmp_path / "wh")
    assert summary.rejects_by_reason == {"unsafe_path": 1}


@pytest.mark.parametrize(("flags", "method", "detail"), [(0x1, zipfile.ZIP_DEFLATED, "encrypted"), (0, 9, "method 9")])
def test_an_encrypted_or_unsupported_zip_entry_is_a_file_reject(tmp_path, flags, method, detail):
    archive = _zip(tmp_path / "gtFine.zip", [(GOOD_FILE, doc(GOOD_OBJECTS)), (named(1), doc(GOOD_OBJECTS))])
    with zipfile.ZipFile(archive) as zf:
        local = zf.getinfo(named(1)).header_offset
    data = bytearray(archive.read_bytes())
    # flag bits and method, in the entry's local header and in its central-directory record
    for at in (local + 6, _central_record(data, named(1)) + 8):
        data[at : at + 4] = flags.to_bytes(2, "little") + method.to_bytes(2, "little")
    archive.write_bytes(bytes(data))
    wh, summary = Warehouse.build(archive, tmp_path / "wh")
    assert (summary.objects, summary.rejects_by_reason) == (1, {"unsupported_entry": 1})
    assert detail in rejects(wh)[0][3]


def _central_record(data: bytearray, name: str) -> int:
    at = 0
    while True:
        at = data.index(b"PK\1\2", at)
        length = int.from_bytes(data[at + 28 : at + 30], "little")
        if data[at + 46 : at + 46 + length] == name.encode():
            return at
        at += 4


def test_a_tar_member_present_twice_is_a_duplicate(tmp_path):
    obj = {"classTitle": "road", "geometryType": "polygon", "points": {"exterior": TRIANGLE, "interior": []}}
    sly = json.dumps({"size": {"height": 1024, "width": 2048}, "tags": [], "objects": [obj]}).encode()
    meta = json.dumps({"classes": [{"title": "road"}], "tags": []}).encode()
    archive = tmp_path / "project.tar"
    with tarfile.open(archive, "w") as tar:
        for name, data in [("meta.json", meta), *[("train/ann/ulm_000000_000019_leftImg8bit.png.json", sly)] * 2]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    _, summary = Warehouse.build(archive, tmp_path / "wh")
    assert (summary.objects, summary.rejects_by_reason) == (1, {"duplicate_image": 1})


PARSE_WORKERS_SCRIPT = """
import sys, time
import cityscapes_warehouse.batches as batches
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.sources import open_source

if __name__ == "__main__":
    for _ in batches.parsed_batches(open_source(sys.argv[1]), Settings(workers=2, parallel_min_files=1, batch_files=1)):
        time.sleep(120)  # the workers stay up, idle, while their parent is killed
"""
# The pixel stage and the replica writer start their workers through the same pool (checked below).
BUSY_POOL_SCRIPT = """
import time
from cityscapes_warehouse.config import worker_context
from cityscapes_warehouse.workers import worker_pool

if __name__ == "__main__":
    with worker_pool(2, worker_context()) as pool:
        futures = [pool.submit(time.sleep, 120) for _ in range(2)]  # both workers busy when the parent dies
        time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("script", [PARSE_WORKERS_SCRIPT, BUSY_POOL_SCRIPT], ids=["parse", "any pool"])
def test_workers_end_when_the_build_process_is_killed(tmp_path, script):
    build_folder(tmp_path, {named(n): doc(GOOD_OBJECTS) for n in range(1, 6)})
    parent = subprocess.Popen([sys.executable, "-c", script, str(tmp_path / "src")])
    try:
        _wait_for(lambda: len(_descendants(parent.pid)) >= 2)
        time.sleep(1)
        workers = _descendants(parent.pid)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert _wait_for(lambda: not any(_alive(pid) for pid in workers) or None)


def test_every_worker_pool_of_the_package_is_started_by_worker_pool():
    package = Path(cityscapes_warehouse.__file__).parent
    starts = re.compile(r"ProcessPoolExecutor\(|\.Pool\(|multiprocessing\.Process\(|\.Process\(")
    elsewhere = [
        f"{path.relative_to(package)}:{n}"
        for path in package.rglob("*.py")
        if path.name != "workers.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if starts.search(line)
    ]
    assert elsewhere == []
    assert "worker_pool(" in (package / "pixels" / "stage.py").read_text()


def _descendants(pid: int) -> list[int]:
    children = _children(pid)
    return children + [grandchild for child in children for grandchild in _descendants(child)]


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


def _wait_for(check, seconds: float = 60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_file_of_two_million_bare_numbers_is_refused_whole_in_under_1_gib(tmp_path):
    """4 MB, a quarter of the size a file may have: as a reject row each (about 750 bytes in memory),
    its items took the build to 1.5 GB, and a file under the size limit would have taken 6 GB."""
    from test_archive_bombs import PEAK_LIMIT_KIB, build_in_child

    root = tmp_path / "src"
    for rel, data in {GOOD_FILE: doc(GOOD_OBJECTS), named(1): doc([0] * 2_000_000)}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    rejects_by_reason, peak_kib = build_in_child(root, tmp_path / "wh")
    assert rejects_by_reason == {"too_large": 1}
    assert peak_kib < PEAK_LIMIT_KIB


def test_a_file_of_as_many_objects_as_a_file_may_hold_is_read_object_by_object(tmp_path):
    from cityscapes_warehouse.parse import MAX_OBJECTS_PER_FILE

    wh, summary = build_folder(
        tmp_path,
        {
            GOOD_FILE: doc(GOOD_OBJECTS),
            named(1): doc([0] * MAX_OBJECTS_PER_FILE),
            named(2): doc([0] * (MAX_OBJECTS_PER_FILE + 1)),
        },
    )
    rejects = wh.query("select source_path, reason, count(*) as n from rejects group by all order by all").rows()
    assert rejects == [
        (f"gtFine/{named(1).removeprefix('gtFine/')}", "bad_object", MAX_OBJECTS_PER_FILE),
        (f"gtFine/{named(2).removeprefix('gtFine/')}", "too_large", 1),
    ]
    detail = wh.query("select detail from rejects where reason = 'too_large'").item()
    assert detail == f"{MAX_OBJECTS_PER_FILE + 1:,} objects, over the {MAX_OBJECTS_PER_FILE:,} an annotation file holds"
    assert summary.objects_read == 1 + MAX_OBJECTS_PER_FILE  # the refused file's items were never read as objects


def test_images_of_the_largest_side_keep_each_pixel_worker_small(tmp_path):
    # The pixel stage holds a few canvases of an image's size, about 4 bytes a pixel: the side
    # allowed bounds each worker's memory, whatever a few kilobytes of JSON claim. At 16,384 a side
    # one worker took 1 GB for one image, and two workers over 2 GB.
    side = MAX_IMAGE_SIDE
    whole = [[0, 0], [side - 1, 0], [side - 1, side - 1], [0, side - 1]]
    big = [{"label": label, "polygon": whole} for label in ("road", "car", "person", "sky", "building", "out of roi")]
    root = tmp_path / "src"
    for n in range(2):
        (root / named(n)).parent.mkdir(parents=True, exist_ok=True)
        (root / named(n)).write_bytes(doc(big, imgHeight=side, imgWidth=side))
    build = (
        "import sys; from cityscapes_warehouse import Warehouse; from cityscapes_warehouse.config import Settings; "
        "s = Settings(workers=2, parallel_min_files=1, batch_files=1, pixel_min_images=0, pixel_batch_images=1); "
        "Warehouse.build(sys.argv[1], sys.argv[2], settings=s, pixels=True)"
    )
    peak = (
        "import resource, subprocess, sys; "
        f"subprocess.run([sys.executable, '-c', {build!r}, *sys.argv[1:3]], check=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"  # the largest process, in KiB
    )
    done = subprocess.run([sys.executable, "-c", peak, str(root), str(tmp_path / "wh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.split()[-1]) < 512 * 1024
    assert Warehouse(tmp_path / "wh").query("select count(*) from image_coverage").item() == 2
