-- dn_class_sizes: one row per label that occurs in the data.
-- Reads stg_objects and stg_images.
-- For: Dataset Ninja's "Class sizes" table, column for column (Object count, Avg / Max / Min area,
-- Min / Max / Avg height and width in px and in %). Per object: area % = shoelace area of the
-- exterior ring * 100 / (H*W) (holes ignored); height = max_y - min_y + 1 and width likewise over
-- the exterior, in px and in % of the image height / width; each rounded to 2 decimals before the
-- min / max / mean. Means are rounded to 2 decimals, in px to whole pixels. Rounding is Python's
-- (a half to the even neighbour, e.g. 1.125 -> 1.12), as Dataset Ninja published.
-- Rounding scales, rounds to a whole number and divides, so DuckDB and Spark decide ties alike.
create or replace view dn_class_sizes as

with objects as (
    select * from stg_objects
),

images as (
    select * from stg_images
),

object_sizes as (
    select
        objects.label,
        round_even(objects.exterior_area_px * 100 / (images.width * images.height) * 100, 0) / 100 as area_pct,
        objects.bbox_height_px as height_px,
        round_even(objects.bbox_height_px * 100 / images.height * 100, 0) / 100 as height_pct,
        objects.bbox_width_px as width_px,
        round_even(objects.bbox_width_px * 100 / images.width * 100, 0) / 100 as width_pct
    from objects
    inner join images using (image_id)
),

final as (
    select
        label,
        count(*) as object_count,
        round_even(avg(area_pct) * 100, 0) / 100 as avg_area_pct,
        max(area_pct) as max_area_pct,
        min(area_pct) as min_area_pct,
        min(height_px) as min_height_px,
        min(height_pct) as min_height_pct,
        max(height_px) as max_height_px,
        max(height_pct) as max_height_pct,
        round_even(avg(height_px), 0)::integer as avg_height_px,
        round_even(avg(height_pct) * 100, 0) / 100 as avg_height_pct,
        min(width_px) as min_width_px,
        min(width_pct) as min_width_pct,
        max(width_px) as max_width_px,
        max(width_pct) as max_width_pct,
        round_even(avg(width_px), 0)::integer as avg_width_px,
        round_even(avg(width_pct) * 100, 0) / 100 as avg_width_pct
    from object_sizes
    group by label
)

select * from final
order by label;
