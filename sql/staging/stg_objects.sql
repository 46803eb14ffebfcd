-- stg_objects: one row per polygon object kept in the warehouse (at least 3 points, not deleted).
-- Reads the objects table, every column (geometry is the WKB polygon; a mart that never reads it costs nothing).
-- For: class, city and split statistics.
create or replace view stg_objects as

with source as (
    select * from objects
),

final as (
    select
        object_id,
        image_id,
        draw_order,
        label,
        label_id,
        train_id,
        category,
        has_instances,
        ignore_in_eval,
        is_group,
        base_label,
        n_vertices,
        n_holes,
        exterior_area_px,
        area_px,
        perimeter_px,
        x_min,
        y_min,
        x_max,
        y_max,
        bbox_width_px,
        bbox_height_px,
        centroid_x,
        centroid_y,
        is_valid,
        invalid_reason,
        out_of_bounds,
        roi_frame_missing,
        geometry
    from source
)

select * from final;
