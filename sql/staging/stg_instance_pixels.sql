-- stg_instance_pixels: one row per (image, instanceIds value, object) with pixels in the official image.
-- Reads the instance_pixels table written by the pixel stage (build --pixels; empty without it).
-- For: instance areas as the official instanceIds images hold them, with the object each comes from.
create or replace view stg_instance_pixels as

with source as (
    select * from instance_pixels
),

final as (
    select
        image_id,
        instance_id,
        label_id,
        pixels,
        object_id
    from source
)

select * from final;
