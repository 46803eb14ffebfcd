"""Writing the replica to disk: the polygon files (in parallel batches) and the release zip.

Each image draws its geometry from its own random stream, seeded by (seed, scale, image index),
so the bytes do not depend on how images are batched or on which process writes them.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from ..config import worker_context
from ..sources.gtfine import LABEL_PNG_KINDS, file_text, label_image_path, object_text, polygon_file_path
from ..workers import worker_pool
from .allocate import ImagePlan, scale_key
from .draw import draw_image
from .shapes import HEIGHT_PX, WIDTH_PX

ZIP_NAME = "gtFine_trainvaltest.zip"
_GEOMETRY_STREAM = 3
_BATCH_IMAGES = 40
# The earliest time a zip entry can carry; a fixed stamp keeps the archive byte-deterministic.
_ZIP_TIMESTAMP = (1980, 1, 1, 0, 0, 0)

_README = """\
SYNTHETIC Cityscapes gtFine replica
===================================

This archive is SYNTHETIC. It was written by cityscapes-warehouse (replica version {version},
seed {seed}, scale {scale}) and is NOT the licensed Cityscapes release: no image and no polygon in
it comes from the real dataset. It reproduces the layout, the JSON format and the published
per-split, per-city and per-class counts of gtFine_trainvaltest.zip, with random geometry and a
known number of planted annotation faults, so that tools can be tested without the real data.

The real dataset is available from https://www.cityscapes-dataset.com under its own licence.
"""

_LICENSE = """\
This archive is SYNTHETIC data written by cityscapes-warehouse; it contains no part of the
Cityscapes dataset and is not covered by the Cityscapes licence. It is released under the MIT
licence of cityscapes-warehouse. Use the real Cityscapes data only under the terms at
https://www.cityscapes-dataset.com/license/.
"""


def relative_path(plan: ImagePlan) -> str:
    return polygon_file_path(plan.split, plan.city, plan.stem)


def label_png_paths(plan: ImagePlan) -> list[str]:
    return [label_image_path(plan.split, plan.city, plan.stem, kind) for kind in LABEL_PNG_KINDS]


def _write_batch(job: tuple[str, int, int, list[ImagePlan], bool]) -> tuple[int, int, int]:
    out, seed, key, plans, label_pngs = job
    vertices = written_bytes = 0
    for plan in plans:
        rng = np.random.default_rng([seed, key, _GEOMETRY_STREAM, plan.image_index])
        objects = draw_image(plan, rng)
        data = file_text(
            [object_text(label, polygon, keys) for label, polygon, keys in objects], WIDTH_PX, HEIGHT_PX
        ).encode("ascii")
        (Path(out) / relative_path(plan)).write_bytes(data)
        vertices += sum(len(polygon) for _, polygon, _ in objects)
        written_bytes += len(data)
        if label_pngs:
            _write_label_pngs(Path(out), plan, objects)
    return len(plans), vertices, written_bytes


def _write_label_pngs(out: Path, plan: ImagePlan, objects: list[tuple[str, np.ndarray, dict | None]]) -> None:
    """The official labelIds (8-bit) and instanceIds (16-bit) PNGs, drawn by the official rules."""
    # OpenCV and Pillow only where PNGs are asked for: the command line imports this module for every command
    import cv2

    from ..pixels.official import label_images

    drawn = [(label, polygon) for label, polygon, keys in objects if not (keys and keys.get("deleted"))]
    images = label_images(WIDTH_PX, HEIGHT_PX, drawn)
    encodings = {"labelIds": images["labelIds"], "instanceIds": images["instanceIds"].astype(np.uint16)}
    for kind, path in zip(LABEL_PNG_KINDS, label_png_paths(plan), strict=True):
        _, png = cv2.imencode(".png", encodings[kind], [cv2.IMWRITE_PNG_COMPRESSION, 1])
        (out / path).write_bytes(png.tobytes())


def _batches(plans: list[ImagePlan]) -> Iterator[list[ImagePlan]]:
    for start in range(0, len(plans), _BATCH_IMAGES):
        yield plans[start : start + _BATCH_IMAGES]


def write_polygon_files(
    out: Path,
    seed: int,
    scale: float,
    plans: list[ImagePlan],
    workers: int,
    progress: Callable[[int, int], None] | None,
    label_pngs: bool = False,
) -> tuple[int, int]:
    """Write every image's polygon file (and its label PNGs); returns (vertices, JSON bytes) written."""
    for folder in sorted({(out / relative_path(p)).parent for p in plans}):
        folder.mkdir(parents=True, exist_ok=True)
    jobs = [(str(out), seed, scale_key(scale), batch, label_pngs) for batch in _batches(plans)]
    if workers > 1 and len(jobs) > 1:
        with worker_pool(workers, worker_context()) as pool:  # not fork: see config.START_METHOD
            results = list(_report(pool.map(_write_batch, jobs), len(plans), progress))
    else:
        results = list(_report(map(_write_batch, jobs), len(plans), progress))
    return sum(r[1] for r in results), sum(r[2] for r in results)


def _report(
    results: Iterator[tuple[int, int, int]], total: int, progress: Callable[[int, int], None] | None
) -> Iterator[tuple[int, int, int]]:
    done = 0
    for result in results:
        done += result[0]
        if progress is not None:
            progress(done, total)
        yield result


def write_zip(
    out: Path, plans: list[ImagePlan], version: str, seed: int, scale: float, label_pngs: bool = False
) -> Path:
    """gtFine_trainvaltest.zip: the gtFine/ tree plus README and license.txt, sorted, fixed times."""
    members = {relative_path(p): out / relative_path(p) for p in plans}
    if label_pngs:
        members.update({path: out / path for p in plans for path in label_png_paths(p)})
    texts = {"README": _README.format(version=version, seed=seed, scale=scale), "license.txt": _LICENSE}
    archive = out / ZIP_NAME
    with zipfile.ZipFile(archive, "w") as zf:
        for name in sorted([*members, *texts]):
            data = texts[name].encode("ascii") if name in texts else members[name].read_bytes()
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data, compresslevel=6)
    return archive
