-- split_stats: one row per split (train, val, test).
-- Reads stg_images and stg_objects.
-- For: the published images and objects per split. Objects are counted as object rows, as class_stats
-- and city_stats count them, so the three views' totals agree.
create or replace view split_stats as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

objects_per_split as (
    select
        images.split,
        count(*) as objects,
        count(distinct objects.label) as labels
    from objects
    inner join images using (image_id)
    group by images.split
),

images_per_split as (
    select
        split,
        count(*) as images,
        count(distinct city) as cities
    from images
    group by split
),

final as (
    select
        images_per_split.split,
        images_per_split.images,
        coalesce(objects_per_split.objects, 0) as objects,
        images_per_split.cities,
        coalesce(objects_per_split.labels, 0) as labels
    from images_per_split
    left join objects_per_split using (split)
)

select * from final
order by case split when 'train' then 1 when 'val' then 2 when 'test' then 3 else 4 end, split;
