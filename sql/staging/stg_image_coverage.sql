-- stg_image_coverage: one row per image: the pixels no object covers.
-- Reads the image_coverage table written by the pixel stage (build --pixels; empty without it).
-- For: the Dataset Ninja parity views and the report.
create or replace view stg_image_coverage as

with source as (
    select * from image_coverage
),

final as (
    select
        image_id,
        labeled_px,
        unlabeled_px,
        unlabeled_pct
    from source
)

select * from final;
