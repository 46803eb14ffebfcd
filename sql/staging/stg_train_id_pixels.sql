-- stg_train_id_pixels: one row per (image, train_id present in its official trainIds image).
-- Reads the train_id_pixels table written by the pixel stage (build --pixels; empty without it).
-- For: class_weights and anyone checking pixel frequencies against the official label images.
create or replace view stg_train_id_pixels as

with source as (
    select * from train_id_pixels
),

final as (
    select
        image_id,
        train_id,
        pixels
    from source
)

select * from final;
