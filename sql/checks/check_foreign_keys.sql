-- check_foreign_keys: one row per foreign key between warehouse tables.
-- Reads stg_images, stg_objects, stg_polygons and stg_rejects.
-- For: the integrity suite. orphans counts the rows whose parent is missing; a join in SQL is the
-- only way to say this, since an expectation sees one frame at a time.
create or replace view check_foreign_keys as

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

objects_to_images as (
    select
        'objects.image_id -> images' as foreign_key,
        count(*) as child_rows,
        count(*) filter (where images.image_id is null) as orphans
    from objects
    left join images using (image_id)
),

polygons_to_objects as (
    select
        'polygons.object_id -> objects' as foreign_key,
        count(*) as child_rows,
        count(*) filter (where objects.object_id is null) as orphans
    from polygons
    left join objects using (object_id)
),

-- a reject whose file parsed names its image: the image itself, or the first copy of a duplicate
rejects_to_images as (
    select
        'rejects.image_id -> images' as foreign_key,
        count(*) as child_rows,
        count(*) filter (where images.image_id is null) as orphans
    from rejects
    left join images using (image_id)
    where rejects.image_id is not null
),

final as (
    select * from objects_to_images
    union all
    select * from polygons_to_objects
    union all
    select * from rejects_to_images
)

select * from final;
