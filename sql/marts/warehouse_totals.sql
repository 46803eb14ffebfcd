-- warehouse_totals: one row per warehouse: what was loaded, in a handful of figures.
-- Reads stg_images, stg_objects, stg_rejects and stg_image_coverage (empty without build --pixels).
-- For: the report's overview cards, and anyone's first question about a build.
create or replace view warehouse_totals as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

rejects as (
    select * from stg_rejects
),

coverage as (
    select * from stg_image_coverage
),

final as (
    select
        (select count(*) from images) as images,
        (select count(*) from objects) as objects,
        (select count(distinct label) from objects) as labels,
        (select count(distinct city) from images) as cities,
        (select count(distinct split) from images) as splits,
        (select count(*) from rejects) as rejects,
        (select avg(unlabeled_pct) from coverage) as unlabeled_pct
)

select * from final;
