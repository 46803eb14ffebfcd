-- class_city_stats: one row per (label, city) pair that occurs in the data.
-- Reads stg_objects and stg_images.
-- For: where each class is found.
create or replace view class_city_stats as

with objects as (
    select * from stg_objects
),

images as (
    select * from stg_images
),

final as (
    select
        objects.label,
        images.city,
        count(*) as objects,
        count(distinct objects.image_id) as images
    from objects
    inner join images using (image_id)
    group by objects.label, images.city
)

select * from final
order by label, city;
