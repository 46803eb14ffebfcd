-- city_stats: one row per city.
-- Reads stg_images and stg_objects.
-- For: images and objects per city, and the split each city lies in. Objects are counted as object
-- rows, as class_stats and split_stats count them, so the three views' totals agree.
-- Rounding scales, rounds to a whole number and divides, so DuckDB and Spark decide ties alike.
create or replace view city_stats as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

objects_per_city as (
    select
        images.city,
        count(*) as objects,
        count(distinct objects.label) as labels
    from objects
    inner join images using (image_id)
    group by images.city
),

images_per_city as (
    select
        city,
        string_agg(distinct split, ',' order by split) as split,
        count(*) as images
    from images
    group by city
),

final as (
    select
        images_per_city.city,
        images_per_city.split,
        images_per_city.images,
        coalesce(objects_per_city.objects, 0) as objects,
        round(coalesce(objects_per_city.objects, 0) / images_per_city.images * 10000, 0) / 10000 as objects_per_image,
        coalesce(objects_per_city.labels, 0) as labels
    from images_per_city
    left join objects_per_city using (city)
)

select * from final
order by case split when 'train' then 1 when 'val' then 2 when 'test' then 3 else 4 end, city;
