-- stg_object_visible_area: one row per object: its mask, and what stays visible in painter's order.
-- Reads the object_visible_area table written by the pixel stage (build --pixels; empty without it).
-- For: object_visibility (official label images) and the report; opencv_* are Dataset Ninja's drawing.
create or replace view stg_object_visible_area as

with source as (
    select * from object_visible_area
),

final as (
    select
        object_id,
        mask_area_px,
        visible_area_px,
        opencv_mask_area_px,
        opencv_visible_area_px
    from source
)

select * from final;
