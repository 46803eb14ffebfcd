"""The pixel stage: built tables in, pixel tables out, images spread over worker processes."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

import cv2
import numpy as np
import pyarrow as pa

from ..config import Settings, worker_context
from ..workers import no_cycle_collection, worker_pool
from . import schemas
from .histograms import official_histograms
from .layout import OBJECT_COLUMNS, POLYGON_COLUMNS, LayoutIndex, PolygonLayout, layout_from_tables
from .raster import OfficialCounts, RasterResult, rasterise
from .rejected import REJECT_COLUMNS, officially_drawn

# What the stage reads of each built table: reading only these keeps the objects' WKB geometry
# (two thirds of the table's bytes) out of the memory the stage runs in.
INPUT_COLUMNS = {
    "images": ("image_id", "width", "height", "source_path"),
    "objects": OBJECT_COLUMNS,
    "polygons": POLYGON_COLUMNS,
    "rejects": REJECT_COLUMNS,
}


def pixel_tables(
    tables: dict[str, pa.Table],
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    cell_px: int = schemas.CELL_PX,
    label_pngs: dict[str, dict[str, Callable[[], bytes]]] | None = None,
    settings: Settings | None = None,
) -> dict[str, pa.Table]:
    """Rasterise every image of the built tables (`images`, `objects`, `polygons`, optionally `rejects`).

    Returns every table of `schemas.PIXEL_TABLES`, each cast to its schema. A pure function of its
    input: given one image's rows it gives that image's rows (how a Spark task calls it).
    `rejects`, when given, supplies the objects only the official label images draw (rejected.py).
    `progress(done, total)` counts images. `workers` defaults to `settings.workers`; 1 runs here.
    Batch size and the smallest input worth a pool come from `settings` (config.Settings).
    The stage lets go of `tables` once its layout is built: a caller that passes tables it does not
    keep gets their memory back for the rasterisation.
    `label_pngs` (readers of label PNGs by polygon file, as the gtFine adapters give them) fills
    `label_image_mismatches`; without it that table is empty.
    """
    settings = settings or Settings()
    workers = workers or settings.workers
    if tables["images"].num_rows < settings.pixel_min_images:
        workers = 1
    # Arrow's pool keeps what it frees for reuse: what reading the tables left there (160 MB after
    # reading twice the release from Parquet) and the layout's sorts and copies (about 280 MB at
    # full scale) go back to the system before the memory the stage needs next
    pa.default_memory_pool().release_unused()
    official_only = officially_drawn(tables["rejects"]) if "rejects" in tables else None
    layout, index = layout_from_tables(
        tables["images"], tables["objects"], tables["polygons"], cell_px, official_only, label_pngs
    )
    # the layout holds all the stage reads: without this reference, the tables of a caller that
    # kept none (the build) are freed now, not after the stage (190 MB of vertices at twice the release)
    del tables, official_only
    pa.default_memory_pool().release_unused()
    with _pool(workers) as pool:
        total = layout.n_images
        bounds = batch_bounds(total, settings.pixel_batch_images, workers)
        results: list[RasterResult] = []
        heatmap = np.zeros((len(layout.labels), *layout.grid_shape), np.int64)
        done = 0
        if progress:
            progress(0, total)
        for (start, stop), result in zip(bounds, _run(pool, workers, layout, bounds, cell_px), strict=True):
            # each batch's heatmap is as large as the stage's: summed as the batches come, not kept
            # (100 of them held 70 MB by the end of twice the release)
            heatmap += result.heatmap
            result.heatmap = None
            results.append(result)
            done += stop - start
            if progress:
                progress(done, total)
    return _assemble(layout, index, bounds, results, heatmap)


def batch_bounds(total: int, step: int, workers: int) -> list[tuple[int, int]]:
    """[start, stop) of each batch: `step` images, then, with several workers, smaller and smaller
    batches at the end (down to a quarter of `step`), so that no worker waits long for the last
    batch of another."""
    bounds, start = [], 0
    while start < total:
        size = step if workers <= 1 else min(step, max(step // 4, -(-(total - start) // (2 * workers)), 1))
        bounds.append((start, min(start + size, total)))
        start += size
    return bounds


@contextmanager
def _pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """The stage's worker pool (None: the stage runs in this process).

    Started once the layout is built, not before: workers started first (to import OpenCV while
    the layout is built) took the stage's peak memory from 733 to 889 MB at full scale.
    """
    if workers <= 1:
        yield None
        return
    with worker_pool(workers, worker_context(), _one_thread_per_process) as pool:  # not fork: see config.START_METHOD
        yield pool


def _run(
    pool: ProcessPoolExecutor | None, workers: int, layout: PolygonLayout, bounds: list[tuple[int, int]], cell_px: int
) -> Iterator[RasterResult]:
    if pool is None:
        for start, stop in bounds:
            yield _rasterised(layout.images(start, stop), cell_px)
        return
    # a batch's slice of the layout is a copy: submitted all at once, the slices were a second
    # layout in memory, so only a few batches per worker are in flight
    in_flight = 2 * workers
    futures: deque[Future] = deque()
    for start, stop in bounds:
        futures.append(pool.submit(_rasterised, layout.images(start, stop), cell_px))
        if len(futures) > in_flight:
            yield futures.popleft().result()
    while futures:
        yield futures.popleft().result()


def _rasterised(layout: PolygonLayout, cell_px: int) -> RasterResult:
    with no_cycle_collection():  # a few lists per object drawn, none in a cycle
        return rasterise(layout, cell_px)


def _one_thread_per_process() -> None:
    # the pool already uses every core; OpenCV's own threads would only contend with it
    cv2.setNumThreads(1)


def _assemble(
    layout: PolygonLayout,
    index: LayoutIndex,
    bounds: list[tuple[int, int]],
    results: list[RasterResult],
    heatmap: np.ndarray,
) -> dict[str, pa.Table]:
    labels = pa.array(layout.labels, pa.string())
    area = layout.widths.astype(np.int64) * layout.heights.astype(np.int64)

    image = np.concatenate(
        [r.coverage_image + start for (start, _), r in zip(bounds, results, strict=True)] + [np.empty(0, np.int64)]
    )
    covered = np.concatenate([r.coverage_px for r in results] + [np.empty(0, np.int64)])
    coverage = pa.table(
        {
            "image_id": index.image_id.take(pa.array(image)),
            "label": labels.take(
                pa.array(np.concatenate([r.coverage_class for r in results] + [np.empty(0, np.int32)]))
            ),
            "objects": np.concatenate([r.coverage_objects for r in results] + [np.empty(0, np.int32)]),
            "covered_px": covered,
            "covered_pct": covered * 100.0 / np.maximum(area[image], 1),
        }
    )

    labeled = np.concatenate([r.labeled_px for r in results] + [np.empty(0, np.int64)])
    unlabeled = area - labeled
    per_image = pa.table(
        {
            "image_id": index.image_id,
            "labeled_px": labeled,
            "unlabeled_px": unlabeled,
            "unlabeled_pct": unlabeled * 100.0 / np.maximum(area, 1),
        }
    )

    official = _joined([r.official for r in results], [start for start, _ in bounds])
    visible = pa.table(
        {
            "object_id": index.object_id,
            "mask_area_px": official.mask_px,
            "visible_area_px": official.visible_px,
            "opencv_mask_area_px": _concat([r.mask_area_px for r in results], np.int64),
            "opencv_visible_area_px": _concat([r.visible_area_px for r in results], np.int64),
        }
    ).filter(pa.array(layout.dn_drawn))
    return {
        "image_class_coverage": coverage.cast(schemas.IMAGE_CLASS_COVERAGE),
        "image_coverage": per_image.cast(schemas.IMAGE_COVERAGE),
        "object_visible_area": visible.cast(schemas.OBJECT_VISIBLE_AREA),
        "class_heatmap": _heatmap_table(labels, heatmap),
        **official_histograms(layout, index, official),
        "label_image_mismatches": _mismatch_table(index, official.mismatches),
    }


def _mismatch_table(index: LayoutIndex, mismatches: list[tuple]) -> pa.Table:
    image, kind, value, png, polygons = zip(*mismatches, strict=True) if mismatches else ((),) * 5
    table = pa.table(
        {
            "image_id": index.image_id.take(pa.array(image, pa.int64())),
            "kind": pa.array(kind, pa.string()),
            "label_or_instance_id": pa.array(value, pa.int32()),
            "pixels_png": pa.array(png, pa.int64()),
            "pixels_polygons": pa.array(polygons, pa.int64()),
        }
    )
    return table.cast(schemas.LABEL_IMAGE_MISMATCHES)


def _concat(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays + [np.empty(0, dtype)])


def _joined(parts: list[OfficialCounts], starts: list[int]) -> OfficialCounts:
    """The batches' counts as one, image positions in the mismatches made global."""
    return OfficialCounts(
        visible_px=_concat([p.visible_px for p in parts], np.int64),
        mask_px=_concat([p.mask_px for p in parts], np.int64),
        background_px=_concat([p.background_px for p in parts], np.int64),
        mismatches=[(start + i, *row) for start, p in zip(starts, parts, strict=True) for i, *row in p.mismatches],
    )


def _heatmap_table(labels: pa.Array, cells: np.ndarray) -> pa.Table:
    label, cell_y, cell_x = np.nonzero(cells)
    table = pa.table(
        {
            "label": labels.take(pa.array(label, pa.int64())),
            "cell_x": cell_x,
            "cell_y": cell_y,
            "coverage_px": cells[label, cell_y, cell_x],
        }
    )
    return table.cast(schemas.CLASS_HEATMAP)
