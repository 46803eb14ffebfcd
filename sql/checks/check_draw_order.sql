-- check_draw_order: one row per image.
-- Reads stg_images, stg_objects and stg_rejects.
-- For: the integrity suite. Every entry of a file's objects list is either accepted (objects) or
-- rejected with its index (object-level rejects), so together their draw_order values are exactly
-- 0..n-1. Rejects are matched by source_path, not image_id: the rejected second copy of a duplicate
-- image carries the first copy's image_id but its own file and its own 0..m-1.
create or replace view check_draw_order as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

rejects as (
    select * from stg_rejects
),

entries as (
    select
        image_id,
        draw_order
    from objects
    union all
    select
        images.image_id,
        rejects.draw_order
    from rejects
    inner join images using (source_path)
    where rejects.draw_order is not null
),

per_image as (
    select
        images.image_id,
        count(entries.draw_order) as entries,
        count(distinct entries.draw_order) as distinct_draw_orders,
        min(entries.draw_order) as first_draw_order,
        max(entries.draw_order) as last_draw_order
    from images
    left join entries using (image_id)
    group by images.image_id
),

final as (
    select
        image_id,
        entries,
        distinct_draw_orders,
        first_draw_order,
        last_draw_order,
        distinct_draw_orders = entries
            and coalesce(first_draw_order, 0) = 0
            and coalesce(last_draw_order, -1) = entries - 1 as is_contiguous
    from per_image
)

select * from final;
