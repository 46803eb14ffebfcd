-- class_stats: one row per label that occurs in the data.
-- Reads stg_objects and stg_images.
-- For: the per-class figures Dataset Ninja publishes (images holding the class, objects, objects
-- per split) and area statistics. objects_per_image is over the images that hold the label.
-- Rounding scales, rounds to a whole number and divides, so DuckDB and Spark decide ties alike.
create or replace view class_stats as

with objects as (
    select * from stg_objects
),

images as (
    select * from stg_images
),

objects_with_split as (
    select
        objects.label,
        objects.category,
        objects.image_id,
        objects.area_px,
        images.split
    from objects
    inner join images using (image_id)
),

final as (
    select
        label,
        any_value(category) as category,
        count(distinct image_id) as images,
        count(*) as objects,
        round(count(*) / count(distinct image_id) * 10000, 0) / 10000 as objects_per_image,
        count(*) filter (where split = 'train') as train_objects,
        count(*) filter (where split = 'val') as val_objects,
        count(*) filter (where split = 'test') as test_objects,
        round(avg(area_px) * 10, 0) / 10 as area_px_mean,
        min(area_px) as area_px_min,
        max(area_px) as area_px_max
    from objects_with_split
    group by label
)

select * from final
order by objects desc, label;
