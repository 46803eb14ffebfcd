-- class_split_stats: one row per (label, split) where the label has an object.
-- Reads stg_objects and stg_images.
-- For: the class balance of one split (the report's split filter): images holding the class,
-- its objects, and its objects per image holding it.
create or replace view class_split_stats as

with objects as (
    select * from stg_objects
),

images as (
    select * from stg_images
),

final as (
    select
        objects.label,
        images.split,
        count(distinct objects.image_id) as images,
        count(*) as objects,
        count(*) / count(distinct objects.image_id) as objects_per_image
    from objects
    inner join images using (image_id)
    group by objects.label, images.split
)

select * from final
order by case split when 'train' then 1 when 'val' then 2 when 'test' then 3 else 4 end, objects desc, label;
