-- stg_label_image_mismatches: one row per (image, label PNG kind, value) whose pixels differ.
-- Reads the label_image_mismatches table (build --check-label-pngs; empty without it).
-- For: data_findings and the report: where the download's label PNGs and its polygons disagree.
create or replace view stg_label_image_mismatches as

with source as (
    select * from label_image_mismatches
),

final as (
    select
        image_id,
        kind,
        label_or_instance_id,
        pixels_png,
        pixels_polygons
    from source
)

select * from final;
