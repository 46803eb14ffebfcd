"""A few images per split, drawn from their polygons in the official colours, as gtFine_color.png.

Objects are painted in draw order, a later one over an earlier one, each as the pixel stage masks
it (exterior filled, holes cut out); unlabelled pixels stay black as in the official colour images.
Invalid polygons and objects with a vertex outside the image are outlined, so a reader sees what
the data-quality tables count.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import cv2
import duckdb
import numpy as np

IMAGES_PER_SPLIT = 3
THUMB_WIDTH_PX = 512
INVALID_RGB = (255, 255, 255)  # neither white nor cyan is in the Cityscapes palette
OUT_OF_BOUNDS_RGB = (0, 255, 255)

# Per split, the images with the most flagged objects first (the gallery is there to show them),
# then the most objects; image_id breaks ties so the page is the same on every run.
PICK_IMAGES = """
with counted as (
    select
        images.image_id, images.split, images.city, images.width, images.height,
        count(objects.object_id) as objects,
        count(objects.object_id) filter (where not objects.is_valid) as invalid,
        count(objects.object_id) filter (where objects.out_of_bounds) as out_of_bounds,
        count(objects.object_id) filter (where not objects.is_valid or objects.out_of_bounds) as flagged
    from stg_images as images
    left join stg_objects as objects using (image_id)
    group by images.image_id, images.split, images.city, images.width, images.height
),
ranked as (
    select *, row_number() over (partition by split order by flagged desc, objects desc, image_id) as rank
    from counted
)
select image_id, split, city, width, height, objects, invalid, out_of_bounds from ranked
where rank <= ?
order by case split when 'train' then 1 when 'val' then 2 when 'test' then 3 else 4 end, split, rank
"""

RINGS_OF_IMAGE = """
select objects.draw_order, objects.label, objects.is_valid, objects.out_of_bounds, polygons.ring,
       polygons.vertices
from stg_objects as objects
inner join stg_polygons as polygons using (object_id)
where objects.image_id = ?
order by objects.draw_order, polygons.ring
"""


@dataclass
class GalleryImage:
    image_id: str
    split: str
    city: str
    objects: int
    invalid: int
    out_of_bounds: int
    png: str  # data: URI
    void_only: bool  # every object black in the official colours (the test split's annotations)


def read_gallery(con: duckdb.DuckDBPyConnection, per_split: int = IMAGES_PER_SPLIT) -> list[GalleryImage]:
    colors = {label: _rgb(hex_) for label, hex_ in con.execute("select label, color_hex from stg_labels").fetchall()}
    shown = []
    for image_id, split, city, width, height, objects, invalid, out_of_bounds in con.execute(
        PICK_IMAGES, [per_split]
    ).fetchall():
        rings = con.execute(RINGS_OF_IMAGE, [image_id]).fetchall()
        png = _png(draw_image(width, height, rings, colors))
        void_only = all(colors.get(label, (0, 0, 0)) == (0, 0, 0) for _, label, *_ in rings)
        shown.append(GalleryImage(image_id, split, city, objects, invalid, out_of_bounds, png, void_only))
    return shown


def draw_image(width: int, height: int, rings: list[tuple], colors: dict[str, tuple[int, int, int]]) -> np.ndarray:
    """An RGB thumbnail THUMB_WIDTH_PX wide: objects painted in draw order, flagged ones outlined."""
    scale = THUMB_WIDTH_PX / width
    size = (max(round(height * scale), 1), THUMB_WIDTH_PX)
    canvas = np.zeros((*size, 3), np.uint8)
    objects: dict[int, list] = {}
    for draw_order, label, is_valid, out_of_bounds, ring, vertices in rings:
        entry = objects.setdefault(draw_order, [label, is_valid, out_of_bounds, []])
        points = np.array([[v["x"], v["y"]] for v in vertices], np.float64) * scale
        entry[3].append((ring, np.round(points).astype(np.int32)))
    outlines = []
    for label, is_valid, out_of_bounds, object_rings in objects.values():
        mask = np.zeros(size, np.uint8)
        cv2.fillPoly(mask, [points for ring, points in object_rings if ring == 0], 1)
        holes = [points for ring, points in object_rings if ring > 0]
        if holes:
            cv2.fillPoly(mask, holes, 0)
        canvas[mask.astype(bool)] = colors.get(label, (0, 0, 0))
        if not is_valid:
            outlines.append((object_rings, INVALID_RGB))
        elif out_of_bounds:
            outlines.append((object_rings, OUT_OF_BOUNDS_RGB))
    for object_rings, rgb in outlines:  # on top of everything, so a hidden flagged object still shows
        cv2.polylines(canvas, [points for _, points in object_rings], True, rgb, 2, cv2.LINE_8)
    return canvas


def _rgb(hex_: str) -> tuple[int, int, int]:
    return int(hex_[1:3], 16), int(hex_[3:5], 16), int(hex_[5:7], 16)


def _png(rgb: np.ndarray) -> str:
    ok, png = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return "data:image/png;base64," + base64.b64encode(png.tobytes()).decode() if ok else ""
