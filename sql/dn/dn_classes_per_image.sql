-- dn_classes_per_image: one row per (image, label) for every image and every label in the data.
-- Reads stg_images, stg_objects, stg_image_class_coverage and stg_image_coverage (the pixel stage).
-- For: Dataset Ninja's "Classes per image" table in long form. Their wide table has, per image,
-- Image, Split, Height, Width, Unlabeled % and per class an objects count and a covered area %;
-- here each class is a row (0 objects and 0 % where absent), percentages rounded to 2 decimals.
-- Their layout back: pivot dn_classes_per_image on label using first(objects), first(covered_pct)
-- group by image, split, height, width, unlabeled_pct.
-- Rounding scales, rounds to a whole number and divides, so DuckDB and Spark decide ties alike.
create or replace view dn_classes_per_image as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

coverage as (
    select * from stg_image_class_coverage
),

image_coverage_rows as (
    select * from stg_image_coverage
),

labels as (
    select distinct label from objects
),

final as (
    select
        images.image_id,
        images.image_id || '_leftImg8bit.png' as image,
        images.split,
        images.height,
        images.width,
        round_even(image_coverage_rows.unlabeled_pct * 100, 0) / 100 as unlabeled_pct,
        labels.label,
        coalesce(coverage.objects, 0) as objects,
        coalesce(round_even(coverage.covered_pct * 100, 0) / 100, 0) as covered_pct
    from images
    cross join labels
    left join coverage
        on coverage.image_id = images.image_id and coverage.label = labels.label
    left join image_coverage_rows
        on image_coverage_rows.image_id = images.image_id
)

select * from final
order by image_id, label;
