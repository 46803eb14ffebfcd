-- stg_label_pixels: one row per (image, label_id present in its official labelIds image).
-- Reads the label_pixels table written by the pixel stage (build --pixels; empty without it).
-- For: class_weights and anyone checking pixel frequencies against the official label images.
create or replace view stg_label_pixels as

with source as (
    select * from label_pixels
),

final as (
    select
        image_id,
        label_id,
        pixels
    from source
)

select * from final;
