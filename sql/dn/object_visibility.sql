-- object_visibility: one row per object.
-- Reads stg_objects and stg_object_visible_area (the pixel stage).
-- For: how much of each object shows in the official label images (cityscapesScripts' drawing:
-- Pillow, objects in draw_order, a later object hiding an earlier one, license plates never
-- drawn). mask_area_px is the object's own pixels drawn alone (0 for a license plate);
-- visible_fraction = visible_area_px / mask_area_px (null for an empty mask, e.g. an object wholly
-- outside the image or a license plate); is_fully_hidden when nothing of a non-empty mask is left.
-- opencv_mask_area_px / opencv_visible_area_px are the same with Dataset Ninja's OpenCV masks.
-- Rounding scales, rounds to a whole number and divides, so DuckDB and Spark decide ties alike.
create or replace view object_visibility as

with objects as (
    select * from stg_objects
),

visible_areas as (
    select * from stg_object_visible_area
),

final as (
    select
        objects.object_id,
        objects.image_id,
        objects.draw_order,
        objects.label,
        visible_areas.mask_area_px,
        visible_areas.visible_area_px,
        visible_areas.mask_area_px - visible_areas.visible_area_px as hidden_area_px,
        round(visible_areas.visible_area_px / nullif(visible_areas.mask_area_px, 0) * 10000, 0) / 10000 as visible_fraction,
        visible_areas.mask_area_px > 0 and visible_areas.visible_area_px = 0 as is_fully_hidden,
        visible_areas.opencv_mask_area_px,
        visible_areas.opencv_visible_area_px
    from objects
    inner join visible_areas using (object_id)
)

select * from final
order by image_id, draw_order;
