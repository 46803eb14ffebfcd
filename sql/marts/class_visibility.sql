-- class_visibility: one row per label with a rasterised object (build --pixels, or the report).
-- Reads stg_objects and stg_object_visible_area (the pixel stage).
-- For: how much of a class shows in the official label images, where later objects hide earlier
-- ones: the mean visible fraction per object, the objects left with no pixel, and the visible
-- share of all the class's mask pixels. Objects with an empty mask (wholly outside the image)
-- count as objects but have no fraction.
create or replace view class_visibility as

with objects as (
    select * from stg_objects
),

visible_areas as (
    select * from stg_object_visible_area
),

per_object as (
    select
        objects.label,
        visible_areas.mask_area_px,
        visible_areas.visible_area_px,
        visible_areas.visible_area_px / nullif(visible_areas.mask_area_px, 0) as visible_fraction,
        visible_areas.mask_area_px > 0 and visible_areas.visible_area_px = 0 as is_fully_hidden
    from objects
    inner join visible_areas using (object_id)
),

final as (
    select
        label,
        count(*) as objects,
        avg(visible_fraction) as mean_visible_fraction,
        count(*) filter (where is_fully_hidden) as fully_hidden,
        sum(visible_area_px) / nullif(sum(mask_area_px), 0) as visible_share_px
    from per_object
    group by label
)

select * from final
order by mean_visible_fraction, label;
