"""The pixel stage on images small enough that every pixel count is known by hand."""

from __future__ import annotations

import cv2
import numpy as np
import pyarrow as pa
import pytest

from cityscapes_warehouse import schemas
from cityscapes_warehouse.config import Settings
from cityscapes_warehouse.pixels import PIXEL_TABLES, pixel_tables


def tables_for(images: dict[str, tuple[int, int, list[tuple[str, list[list[tuple[int, int]]]]]]]) -> dict:
    """{image_id: (width, height, [(label, [exterior, *holes]), ...])} -> images, objects, polygons tables."""
    image_rows, object_rows, ring_rows = [], [], []
    for image_id, (width, height, objects) in images.items():
        image_rows.append({"image_id": image_id, "width": width, "height": height})
        for order, (label, rings) in enumerate(objects):
            object_id = f"{image_id}#{order}"
            object_rows.append({"object_id": object_id, "image_id": image_id, "draw_order": order, "label": label})
            ring_rows += [
                {
                    "object_id": object_id,
                    "ring": r,
                    "n_vertices": len(ring),
                    "vertices": [{"x": x, "y": y} for x, y in ring],
                }
                for r, ring in enumerate(rings)
            ]
    return {
        "images": pa.Table.from_pylist(image_rows),
        "objects": pa.Table.from_pylist(object_rows),
        "polygons": pa.Table.from_pylist(ring_rows, schema=schemas.POLYGONS),
    }


def square(x0: int, y0: int, x1: int, y1: int) -> list[tuple[int, int]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


# A 10 x 8 image (80 px). fillPoly fills a polygon's boundary too, so square(0, 0, 4, 4) is 5 x 5 = 25 px.
#   0 road  A = x 0..4, y 0..4                         25 px
#   1 car   B = x 2..6, y 2..6                         25 px, overlaps A on x 2..4, y 2..4 (9 px)
#   2 road  C = x 8..12, y 0..3, clipped to x 8..9     8 px (a vertex outside the image)
#   3 out of roi F = frame x 0..9, y 0..7 minus hole x 1..8, y 1..6 (48 px): the 32 border px
# F covers 9 px of A (x = 0, y 0..4 and y = 0, x 1..4) and 5 px of C (x = 9, y 0..3 and (8, 0)).
HAND = {
    "hand": (
        10,
        8,
        [
            ("road", [square(0, 0, 4, 4)]),
            ("car", [square(2, 2, 6, 6)]),
            ("road", [square(8, 0, 12, 3)]),
            ("out of roi", [square(0, 0, 9, 7), square(1, 1, 8, 6)]),
        ],
    )
}


@pytest.fixture(scope="module")
def hand():
    return pixel_tables(tables_for(HAND), cell_px=4)


def test_class_coverage_is_the_union_of_the_class_masks(hand):
    got = {
        row["label"]: (row["objects"], row["covered_px"], row["covered_pct"])
        for row in hand["image_class_coverage"].to_pylist()
    }
    assert got == {"road": (2, 33, 41.25), "car": (1, 25, 31.25), "out of roi": (1, 32, 40.0)}


def test_unlabeled_is_what_no_object_covers(hand):
    # union: A + B - 9 = 41, + C = 49, + F (32) - F on A (9) - F on C (5) = 67 of 80 px
    assert hand["image_coverage"].to_pylist() == [
        {"image_id": "hand", "labeled_px": 67, "unlabeled_px": 13, "unlabeled_pct": 16.25}
    ]


def test_hole_is_filled_with_zero_after_the_exterior(hand):
    areas = dict(
        zip(
            hand["object_visible_area"]["object_id"].to_pylist(),
            hand["object_visible_area"]["opencv_mask_area_px"].to_pylist(),
            strict=True,
        )
    )
    assert areas["hand#3"] == 80 - 48


def test_vertex_outside_the_image_is_clipped(hand):
    areas = dict(
        zip(
            hand["object_visible_area"]["object_id"].to_pylist(),
            hand["object_visible_area"]["opencv_mask_area_px"].to_pylist(),
            strict=True,
        )
    )
    assert areas["hand#2"] == 8


def test_later_objects_hide_earlier_ones(hand):
    visible = dict(
        zip(
            hand["object_visible_area"]["object_id"].to_pylist(),
            hand["object_visible_area"]["opencv_visible_area_px"].to_pylist(),
            strict=True,
        )
    )
    # A loses 9 px to B and 9 to F; C loses 5 to F; B and F are not covered by anything later
    assert visible == {"hand#0": 25 - 9 - 9, "hand#1": 25, "hand#2": 8 - 5, "hand#3": 32}


def test_heatmap_sums_object_pixels_per_cell(hand):
    cells = {(r["label"], r["cell_x"], r["cell_y"]): r["coverage_px"] for r in hand["class_heatmap"].to_pylist()}
    assert cells[("road", 0, 0)] == 16  # A on x 0..3, y 0..3
    assert cells[("road", 2, 0)] == 8  # C on x 8..9 (the cell's x 10, 11 lie outside the image)
    assert cells[("car", 0, 0)] == 4  # B on x 2..3, y 2..3
    assert cells[("car", 1, 1)] == 9  # B on x 4..6, y 4..6
    assert sum(v for (label, _, _), v in cells.items() if label == "out of roi") == 32


def test_tables_have_their_declared_schemas(hand):
    assert {name: table.schema for name, table in hand.items()} == PIXEL_TABLES


def test_object_wholly_outside_the_image_has_an_empty_mask():
    got = pixel_tables(tables_for({"out": (10, 8, [("car", [square(20, 20, 30, 30)])])}))
    assert got["object_visible_area"].to_pylist() == [
        {
            "object_id": "out#0",
            "mask_area_px": 0,
            "visible_area_px": 0,
            "opencv_mask_area_px": 0,
            "opencv_visible_area_px": 0,
        }
    ]
    assert got["image_class_coverage"]["covered_px"].to_pylist() == [0]
    assert got["image_coverage"]["unlabeled_px"].to_pylist() == [80]


def random_images(seed: int, n_images: int, max_objects: int, extent: int = 130) -> dict:
    """Random polygons, many self-intersecting, with vertices up to 20 px outside a 96 x 64 image.

    Each polygon lies in a random square of `extent` px: small squares give objects apart from
    the others of their label, large ones objects that all overlap.
    """
    rng = np.random.default_rng(seed)
    images = {}
    for i in range(n_images):
        objects = []
        for _ in range(int(rng.integers(1, max_objects))):
            corner = rng.integers(-20, 110 - extent + 1, 2) if extent < 130 else np.array([-20, -20])
            exterior = [tuple(p) for p in (corner + rng.integers(0, extent, (int(rng.integers(3, 9)), 2))).tolist()]
            rings = [exterior]
            if rng.random() < 0.2:
                rings.append([tuple(p) for p in rng.integers(0, 96, (4, 2)).tolist()])
            objects.append((str(rng.choice(["car", "road", "sky"])), rings))
        images[f"img{i}"] = (96, 64, objects)
    return images


def full_canvas_reference(images: dict, cell_px: int = 32) -> dict[str, dict]:
    """Dataset Ninja's way, literally: one H x W mask per object, painted in order on an index canvas;
    per label the union of its masks, and the sum of its masks per cell_px x cell_px cell."""
    coverage, visible, mask_area, heatmap = {}, {}, {}, {}
    for image_id, (width, height, objects) in images.items():
        painter = np.zeros((height, width), np.int32)
        unions: dict[str, np.ndarray] = {}
        for order, (label, rings) in enumerate(objects):
            mask = np.zeros((height, width), np.uint8)
            cv2.fillPoly(mask, [np.array(rings[0], np.int32)], 1)
            if len(rings) > 1:
                cv2.fillPoly(mask, [np.array(r, np.int32) for r in rings[1:]], 0)
            painter[mask > 0] = order + 1
            unions[label] = unions.get(label, np.zeros_like(mask, bool)) | (mask > 0)
            mask_area[f"{image_id}#{order}"] = int(mask.sum())
            for (y, x), px in np.ndenumerate(
                np.add.reduceat(
                    np.add.reduceat(mask.astype(np.int64), range(0, height, cell_px), 0), range(0, width, cell_px), 1
                )
            ):
                if px:
                    heatmap[(label, x, y)] = heatmap.get((label, x, y), 0) + int(px)
        counts = np.bincount(painter.ravel(), minlength=len(objects) + 1)
        visible.update({f"{image_id}#{k}": int(counts[k + 1]) for k in range(len(objects))})
        coverage.update({(image_id, label): int(union.sum()) for label, union in unions.items()})
    return {"coverage": coverage, "visible": visible, "mask_area": mask_area, "heatmap": heatmap}


@pytest.mark.parametrize(
    ("max_objects", "extent"),
    [(12, 130), (300, 130), (40, 14)],
    ids=["few", "more-than-255-objects", "small-objects-apart"],
)
def test_patches_give_the_same_pixels_as_full_canvases(max_objects, extent):
    images = random_images(seed=max_objects, n_images=6, max_objects=max_objects, extent=extent)
    got = pixel_tables(tables_for(images), workers=1, cell_px=16)
    reference = full_canvas_reference(images, cell_px=16)
    assert {(r["image_id"], r["label"]): r["covered_px"] for r in got["image_class_coverage"].to_pylist()} == (
        reference["coverage"]
    )
    areas = got["object_visible_area"].to_pylist()
    assert {r["object_id"]: r["opencv_visible_area_px"] for r in areas} == reference["visible"]
    assert {r["object_id"]: r["opencv_mask_area_px"] for r in areas} == reference["mask_area"]
    heatmap = {(r["label"], r["cell_x"], r["cell_y"]): r["coverage_px"] for r in got["class_heatmap"].to_pylist()}
    assert heatmap == reference["heatmap"] and len(heatmap) > 10


def test_worker_processes_give_the_same_tables():
    tables = tables_for(random_images(seed=1, n_images=8, max_objects=20))
    alone = pixel_tables(tables, workers=1)
    pooled = pixel_tables(tables, workers=2, settings=Settings(pixel_min_images=0, pixel_batch_images=3))
    assert all(pooled[name].equals(alone[name]) for name in alone)


def test_progress_counts_images():
    calls = []
    tables = tables_for(random_images(seed=2, n_images=5, max_objects=4))
    pixel_tables(
        tables, progress=lambda done, total: calls.append((done, total)), settings=Settings(pixel_batch_images=2)
    )
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]


@pytest.mark.parametrize("total", [0, 7, 450, 5000])
@pytest.mark.parametrize("workers", [1, 2, 8])
def test_pixel_batches_cover_every_image_once_and_shrink_only_at_the_end(total, workers):
    from cityscapes_warehouse.pixels.stage import batch_bounds

    bounds = batch_bounds(total, 100, workers)
    assert [start for start, _ in bounds] == [0, *[stop for _, stop in bounds[:-1]]][: len(bounds)]
    assert (bounds[-1][1] if bounds else 0) == total
    sizes = [stop - start for start, stop in bounds]
    assert all(0 < size <= 100 for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # full batches first
    if workers == 1:
        assert set(sizes[:-1]) <= {100}
    elif total == 5000:
        assert sizes[0] == 100 and sizes[-2] == 25  # the last ones a quarter of a batch
