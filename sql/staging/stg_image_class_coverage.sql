-- stg_image_class_coverage: one row per (image, label) with at least one object of the label.
-- Reads the image_class_coverage table written by the pixel stage (build --pixels; empty without it).
-- For: the Dataset Ninja parity views and the report.
create or replace view stg_image_class_coverage as

with source as (
    select * from image_class_coverage
),

final as (
    select
        image_id,
        label,
        objects,
        covered_px,
        covered_pct
    from source
)

select * from final;
