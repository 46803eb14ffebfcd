"""The official label images' histograms, from each object's visible pixels and each image's background.

A pixel of the labelIds, trainIds or instanceIds image holds the value of the object drawn last
there, or the background's (0, 255, 0). So each histogram is the visible pixels of the drawn
objects summed by their value, plus the background: no image needs to be kept or encoded.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import schemas
from .layout import LayoutIndex, PolygonLayout
from .official import UNLABELED_ID, UNLABELED_TRAIN_ID
from .raster import OfficialCounts


def official_histograms(layout: PolygonLayout, index: LayoutIndex, counts: OfficialCounts) -> dict[str, pa.Table]:
    """`label_pixels`, `train_id_pixels` and `instance_pixels`, rows with pixels only, in image order."""
    image_of_object = np.repeat(np.arange(layout.n_images), np.diff(layout.object_starts))
    shown = np.flatnonzero((layout.official_label >= 0) & (counts.visible_px > 0))
    with_background = np.flatnonzero(counts.background_px > 0)
    image = np.concatenate([image_of_object[shown], with_background])
    pixels = np.concatenate([counts.visible_px[shown], counts.background_px[with_background]])

    def histogram(values: np.ndarray, background: int, column: str, schema: pa.Schema) -> pa.Table:
        value = np.concatenate([values[shown].astype(np.int64), np.full(len(with_background), background)])
        key, at = np.unique(image * 256 + value, return_inverse=True)  # values are 0..255
        table = pa.table(
            {
                "image_id": index.image_id.take(pa.array(key // 256)),
                column: key % 256,
                "pixels": np.bincount(at, weights=pixels, minlength=len(key)).astype(np.int64),
            }
        )
        return table.cast(schema)

    instance = np.concatenate([layout.official_instance[shown], np.full(len(with_background), 0, np.int32)])
    position = np.concatenate([shown, np.full(len(with_background), -1)])  # the background first
    order = np.lexsort((position, instance, image))
    object_id = pa.concat_arrays(
        [index.object_id.take(pa.array(shown)), pa.nulls(len(with_background), pa.string())]
    ).take(pa.array(order))
    instances = pa.table(
        {
            "image_id": index.image_id.take(pa.array(image[order])),
            "instance_id": instance[order],
            "label_id": np.concatenate(
                [layout.official_label[shown], np.full(len(with_background), UNLABELED_ID, np.int16)]
            )[order],
            "pixels": pixels[order],
            "object_id": object_id,
        }
    )
    return {
        "label_pixels": histogram(layout.official_label, UNLABELED_ID, "label_id", schemas.LABEL_PIXELS),
        "train_id_pixels": histogram(layout.official_train, UNLABELED_TRAIN_ID, "train_id", schemas.TRAIN_ID_PIXELS),
        "instance_pixels": instances.cast(schemas.INSTANCE_PIXELS),
    }
