-- stg_images: one row per annotated image.
-- Reads the images table, already cast to its schema (etl/schemas.py) when written: no rename, no cast.
-- For: every mart that counts images per split, city or class.
create or replace view stg_images as

with source as (
    select * from images
),

final as (
    select
        image_id,
        split,
        city,
        sequence,
        frame,
        width,
        height,
        source_path,
        n_objects,
        n_rejected
    from source
)

select * from final;
