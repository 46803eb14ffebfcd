-- objects_per_image: one row per (split, number of objects on an image) that occurs.
-- Reads stg_images and stg_objects.
-- For: the histogram of objects per image, split by split; images = how many images hold exactly
-- `objects` accepted objects (images with none included).
create or replace view objects_per_image as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

objects_of_image as (
    select
        images.image_id,
        images.split,
        count(objects.object_id) as objects
    from images
    left join objects using (image_id)
    group by images.image_id, images.split
),

final as (
    select
        split,
        objects,
        count(*) as images
    from objects_of_image
    group by split, objects
)

select * from final
order by case split when 'train' then 1 when 'val' then 2 when 'test' then 3 else 4 end, split, objects;
