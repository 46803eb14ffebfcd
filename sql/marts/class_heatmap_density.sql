-- class_heatmap_density: one row per (label, 32 px cell) that an object of the label touches.
-- Reads stg_class_heatmap (the pixel stage) and stg_images.
-- For: where a class lies: the mean number of the label's objects covering a pixel of the cell,
-- over every image of the warehouse (coverage_px / (images * 32 * 32)). The 32 is the pixel
-- stage's cell size (CELL_PX in etl/pixels); a test keeps them equal.
create or replace view class_heatmap_density as

with heatmap as (
    select * from stg_class_heatmap
),

images as (
    select * from stg_images
),

image_count as (
    select count(*) as images from images
),

final as (
    select
        heatmap.label,
        heatmap.cell_x,
        heatmap.cell_y,
        heatmap.coverage_px,
        -- a double divisor: a decimal one gives a double on DuckDB but a decimal on Spark
        heatmap.coverage_px / cast(image_count.images * 32 * 32 as double) as objects_per_px
    from heatmap
    cross join image_count
)

select * from final
order by label, cell_y, cell_x;
