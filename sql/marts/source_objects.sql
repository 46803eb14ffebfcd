-- source_objects: one row per object read from a source file, loaded or rejected, in draw order.
-- Reads stg_images, stg_objects, stg_polygons and stg_rejects (the objects it rejected; a file
-- rejected whole has no object rows).
-- For: rebuilding each file's object list from the warehouse alone, the proof that nothing read is
-- lost: a loaded object has its label and its rings' vertices re-joined in ring order ('out of
-- roi' is its frame followed by its hole again); a rejected one has its raw JSON as read.
create or replace view source_objects as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

polygons as (
    select * from stg_polygons
),

rejects as (
    select * from stg_rejects
),

loaded as (
    select
        images.source_path,
        objects.draw_order,
        objects.label,
        flatten(list(polygons.vertices order by polygons.ring)) as vertices,
        null as raw
    from objects
    inner join images using (image_id)
    inner join polygons using (object_id)
    group by images.source_path, objects.draw_order, objects.label
),

rejected as (
    select
        source_path,
        draw_order,
        label,
        null as vertices,
        raw
    from rejects
    where draw_order is not null
),

final as (
    select * from loaded
    union all
    select * from rejected
)

select * from final
order by source_path, draw_order;
