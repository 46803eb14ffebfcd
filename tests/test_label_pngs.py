"""The label PNGs of a download: written by `replica --label-pngs`, compared by `build --check-label-pngs`.

The replica's PNGs are checked against cityscapesScripts' own images of the same polygon files, so
the comparison in the build is against an independent truth; a tampered PNG must then be named in
`label_image_mismatches` with its exact pixel counts.
"""

from __future__ import annotations

import json
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
import pytest

from cityscapes_warehouse import Warehouse
from cityscapes_warehouse.replica import ZIP_NAME, write_replica
from cityscapes_warehouse.report.render import render_report

oracle_label = pytest.importorskip("cityscapesscripts.preparation.json2labelImg")
oracle_instance = pytest.importorskip("cityscapesscripts.preparation.json2instanceImg")
from cityscapesscripts.helpers.annotation import Annotation  # noqa: E402

SCALE = 0.006  # about 30 images, one per city and a few more


@pytest.fixture(scope="module")
def png_replica(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("png-replica")
    write_replica(out, seed=3, scale=SCALE, make_zip=True, label_pngs=True)
    return out


def _polygon_files(root: Path) -> list[Path]:
    return sorted((root / "gtFine").rglob("*_gtFine_polygons.json"))


def _png(polygon_file: Path, kind: str) -> Path:
    return polygon_file.with_name(polygon_file.name.replace("_gtFine_polygons.json", f"_gtFine_{kind}.png"))


def _oracle(polygon_file: Path) -> dict[str, np.ndarray]:
    doc = json.loads(polygon_file.read_text())
    # 0- and 1-point objects crash the official tool; our choice is not to draw them
    doc["objects"] = [o for o in doc["objects"] if o.get("deleted") or len(o["polygon"]) >= 2]
    annotation = Annotation()
    annotation.fromJsonText(json.dumps(doc))
    return {
        "labelIds": np.asarray(oracle_label.createLabelImage(annotation, "ids")),
        "instanceIds": np.asarray(oracle_instance.createInstanceImage(annotation, "ids")),
    }


def test_replica_pngs_are_the_official_images_in_the_official_encoding(png_replica):
    files = _polygon_files(png_replica)
    for polygon_file in files:
        expected = _oracle(polygon_file)
        label = cv2.imread(str(_png(polygon_file, "labelIds")), cv2.IMREAD_UNCHANGED)
        instance = cv2.imread(str(_png(polygon_file, "instanceIds")), cv2.IMREAD_UNCHANGED)
        assert label.dtype == np.uint8 and instance.dtype == np.uint16, polygon_file.name
        assert np.array_equal(label, expected["labelIds"]), polygon_file.name
        assert np.array_equal(instance, expected["instanceIds"]), polygon_file.name
    assert len(files) > 25


@pytest.mark.parametrize("source", ["folder", "zip"])
def test_untouched_pngs_agree_with_the_polygons(png_replica, tmp_path, source):
    path = png_replica if source == "folder" else png_replica / ZIP_NAME
    wh, summary = Warehouse.build(path, tmp_path / "warehouse", check_label_pngs=True)
    assert summary.label_pngs_compared == summary.images == len(_polygon_files(png_replica))
    assert wh.query("select * from label_image_mismatches").height == 0


def test_a_tampered_png_is_named_with_its_pixel_counts(png_replica, tmp_path):
    copy = tmp_path / "download"
    shutil.copytree(png_replica / "gtFine", copy / "gtFine")
    polygon_file = _polygon_files(copy)[5]
    image_id = polygon_file.name.removesuffix("_gtFine_polygons.json")
    png_path = _png(polygon_file, "labelIds")
    original = cv2.imread(str(png_path), cv2.IMREAD_UNCHANGED)
    tampered = original.copy()
    tampered[500:540, 900:1000] = 26  # a car painted where the polygons say something else
    cv2.imwrite(str(png_path), tampered)

    wh, summary = Warehouse.build(copy, tmp_path / "warehouse", check_label_pngs=True)

    changed = np.flatnonzero(
        np.bincount(original.ravel(), minlength=256) != np.bincount(tampered.ravel(), minlength=256)
    )
    expected = sorted(
        (image_id, "labelIds", int(v), int((tampered == v).sum()), int((original == v).sum())) for v in changed
    )
    got = wh.connect().execute("select * from label_image_mismatches order by label_or_instance_id").fetchall()
    assert sorted(got) == expected and len(expected) >= 2
    assert summary.label_pngs_compared == summary.images
    found = {(f.group, f.key): f.observed for f in wh.validate(suites=["images.integrity"]).findings()}
    assert found[("label PNGs against polygons", "labelIds")] == len(expected)
    page = render_report(wh, tmp_path / "report.html").read_text()
    section = page[page.index('id="label-images"') :]
    moved = sum(abs(png - polygons) for *_, png, polygons in expected)
    assert f"<td>{image_id}</td><td>labelIds</td><td>{len(expected)}</td><td>{moved:,}</td>" in section


def test_a_png_of_the_wrong_size_is_unreadable_not_a_crash(png_replica, tmp_path):
    copy = tmp_path / "download"
    shutil.copytree(png_replica / "gtFine", copy / "gtFine")
    polygon_file = _polygon_files(copy)[0]
    cv2.imwrite(str(_png(polygon_file, "instanceIds")), np.zeros((10, 10), np.uint16))
    wh, _ = Warehouse.build(copy, tmp_path / "warehouse", check_label_pngs=True)
    got = wh.connect().execute("select image_id, kind, pixels_png from label_image_mismatches").fetchall()
    assert got == [(polygon_file.name.removesuffix("_gtFine_polygons.json"), "instanceIds unreadable", None)]


def test_a_label_png_in_colour_is_refused_from_its_header_before_decoding(monkeypatch):
    """A 16-bit RGBA PNG of a 16384-pixel square inflates to 2 GiB: decoded first and refused after
    (not one channel), two megabytes of PNG took a build over 6 GB."""
    from cityscapes_warehouse.pixels import label_pngs

    drawn = {"labelIds": np.zeros((4, 6), np.uint8), "instanceIds": np.zeros((4, 6), np.uint16)}
    _, rgba = cv2.imencode(".png", np.zeros((4, 6, 4), np.uint16))

    def no_decoding(*args):
        raise AssertionError("decoded a PNG that its header already refuses")

    monkeypatch.setattr(label_pngs.cv2, "imdecode", no_decoding)
    assert label_pngs.compare(drawn, {"labelIds": rgba.tobytes}) == [("labelIds unreadable", None, None, None)]


def test_a_label_png_entry_the_zip_will_not_read_is_unreadable_as_in_a_folder(png_replica, tmp_path):
    # a PNG entry that is a link (or encrypted, or over the size limit) was left out of the zip's
    # PNGs, so its image was silently not compared; a folder's such PNG is "unreadable"
    bad = _png(_polygon_files(png_replica)[3], "labelIds").relative_to(png_replica).as_posix()
    copy = tmp_path / ZIP_NAME
    with zipfile.ZipFile(png_replica / ZIP_NAME) as source, zipfile.ZipFile(copy, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == bad:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                data = b"/etc/passwd"
            target.writestr(info, data)
    wh, summary = Warehouse.build(copy, tmp_path / "warehouse", check_label_pngs=True)
    image_id = PurePosixPath(bad).name.removesuffix("_gtFine_labelIds.png")
    assert wh.connect().execute("select image_id, kind from label_image_mismatches").fetchall() == [
        (image_id, "labelIds unreadable")
    ]
    assert summary.label_pngs_compared == summary.images
