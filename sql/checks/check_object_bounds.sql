-- check_object_bounds: one row per object whose out_of_bounds flag is false.
-- Reads stg_objects and stg_images.
-- For: the integrity suite. An object not flagged out_of_bounds must have its bounding box inside
-- the image: 0 <= x_min, x_max <= last_x_px (width - 1), and the same for y.
create or replace view check_object_bounds as

with objects as (
    select * from stg_objects
),

images as (
    select * from stg_images
),

final as (
    select
        objects.object_id,
        objects.x_min,
        objects.y_min,
        objects.x_max,
        objects.y_max,
        images.width - 1 as last_x_px,
        images.height - 1 as last_y_px
    from objects
    inner join images using (image_id)
    where not objects.out_of_bounds
)

select * from final;
