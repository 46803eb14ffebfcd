-- stg_polygons: one row per ring of an object (ring 0 the exterior, 1.. the holes).
-- Reads the polygons table; the vertices stay as drawn in the source file.
-- For: geometry questions that need the vertices themselves.
create or replace view stg_polygons as

with source as (
    select * from polygons
),

final as (
    select
        object_id,
        ring,
        n_vertices,
        vertices
    from source
)

select * from final;
