-- dn_class_balance: one row per label that occurs in the data.
-- Reads stg_objects and stg_image_class_coverage (the pixel stage).
-- For: Dataset Ninja's "Class balance" table, column for column: Class = label, Images = images,
-- Objects = objects, Count on image = count_on_image, Area on image = area_on_image_pct.
-- Images holding the label, objects / images rounded to 2 decimals, and the mean over those images
-- of the label's covered area % (union of its fillPoly masks / (H*W) * 100), rounded to 2 decimals
-- the way Python rounds (a half to the even neighbour: 9 / 8 = 1.125 -> 1.12, as published).
-- Rounding scales, rounds to a whole number and divides, so DuckDB and Spark decide ties alike.
create or replace view dn_class_balance as

with objects as (
    select * from stg_objects
),

coverage as (
    select * from stg_image_class_coverage
),

counts as (
    select
        label,
        count(distinct image_id) as images,
        count(*) as objects
    from objects
    group by label
),

areas as (
    select
        label,
        avg(covered_pct) as area_on_image_pct
    from coverage
    group by label
),

final as (
    select
        counts.label,
        counts.images,
        counts.objects,
        round_even(counts.objects / counts.images * 100, 0) / 100 as count_on_image,
        round_even(areas.area_on_image_pct * 100, 0) / 100 as area_on_image_pct
    from counts
    left join areas using (label)
)

select * from final
order by label;
