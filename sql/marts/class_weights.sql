-- class_weights: one row per train_id of the 19 evaluated classes (0..18), over the train split.
-- Reads stg_train_id_pixels (the official trainIds images' histograms), stg_images and stg_labels.
-- For: the loss weights segmentation papers compute from pixel frequencies. frequency is
-- SegNet's (Eigen & Fergus) class frequency: the class's pixels / the pixels of the train images
-- holding it; median_frequency_weight = median(frequency) / frequency. enet_weight is ENet's
-- 1 / ln(1.02 + p), p = the class's share of the pixels of the 19 classes (255 left out).
-- Null weights for a class with no pixel. Empty pixel tables (build without --pixels) give nulls.
create or replace view class_weights as

with train_id_pixels as (
    select * from stg_train_id_pixels
),

images as (
    select * from stg_images
),

labels as (
    select * from stg_labels
),

classes as (
    select
        train_id,
        min(label) as label
    from labels
    where train_id between 0 and 18 and not is_group
    group by train_id
),

train_pixels as (
    select
        train_id_pixels.train_id,
        sum(train_id_pixels.pixels) as pixels,
        sum(images.width::bigint * images.height) as image_pixels
    from train_id_pixels
    inner join images using (image_id)
    where images.split = 'train' and train_id_pixels.train_id between 0 and 18
    group by train_id_pixels.train_id
),

frequencies as (
    select
        classes.train_id,
        classes.label,
        coalesce(train_pixels.pixels, 0)::bigint as pixels,
        train_pixels.pixels / train_pixels.image_pixels as frequency,
        train_pixels.pixels / sum(train_pixels.pixels) over () as share
    from classes
    left join train_pixels using (train_id)
),

final as (
    select
        train_id,
        label,
        pixels,
        frequency,
        (select median(frequency) from frequencies) / frequency as median_frequency_weight,
        1 / ln(1.02 + share) as enet_weight
    from frequencies
)

select * from final
order by train_id;
