-- stg_class_heatmap: one row per (label, 32 px cell) that an object of the label touches.
-- Reads the class_heatmap table written by the pixel stage (build --pixels; empty without it).
-- For: the Dataset Ninja parity views and the report.
create or replace view stg_class_heatmap as

with source as (
    select * from class_heatmap
),

final as (
    select
        label,
        cell_x,
        cell_y,
        coverage_px
    from source
)

select * from final;
