"""The report's section on the download's label PNGs against its polygons (build --check-label-pngs)."""

from __future__ import annotations

from html import escape

import duckdb

SHOWN_IMAGES = 50  # the images with the most differing pixels; the table has them all


def read_label_image_mismatches(con: duckdb.DuckDBPyConnection) -> dict:
    """Per image and kind (the most pixels first), the values that differ and the pixels they move."""
    cursor = con.execute(
        f"""
        select image_id, kind, count(*) as values_differing,
               sum(abs(coalesce(pixels_png, 0) - coalesce(pixels_polygons, 0))) as pixels_moved
        from stg_label_image_mismatches
        group by image_id, kind
        order by pixels_moved desc, image_id, kind
        limit {SHOWN_IMAGES}"""
    )
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    total = con.execute("select count(distinct image_id) from stg_label_image_mismatches").fetchone()[0]
    return {"rows": rows, "images": total}


def label_images_section(mismatches: dict) -> tuple[str, str, str]:
    caption = (
        '<p class="caption">With <code>build --check-label-pngs</code>, the download\'s '
        "<code>*_gtFine_labelIds.png</code> and <code>*_gtFine_instanceIds.png</code> are compared with the "
        "official rasterisation of its polygons (cityscapesScripts' rules, the installed Pillow). Every value "
        "whose pixels differ is a row of <code>label_image_mismatches</code>; pixels moved = the sum over those "
        "values of |pixels in the PNG − pixels from the polygons|.</p>"
    )
    if not mismatches["rows"]:
        html = caption + '<p class="good">No difference found (or the PNGs were not compared).</p>'
        return "label-images", "Label PNGs against polygons", html
    body = "".join(
        f"<tr><td>{escape(r['image_id'])}</td><td>{escape(r['kind'])}</td><td>{r['values_differing']:,}</td>"
        f"<td>{r['pixels_moved']:,}</td></tr>"
        for r in mismatches["rows"]
    )
    html = (
        caption + f"<p>{mismatches['images']:,} image(s) differ; the {len(mismatches['rows'])} largest:</p>"
        '<div class="scroll"><table class="sortable"><thead><tr><th>image</th><th>kind</th>'
        f"<th>values differing</th><th>pixels moved</th></tr></thead><tbody>{body}</tbody></table></div>"
    )
    return "label-images", "Label PNGs against polygons", html
