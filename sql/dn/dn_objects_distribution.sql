-- dn_objects_distribution: one row per (label, k) for k from 0 to the most objects of one label
-- on one image, over all labels.
-- Reads stg_images and stg_objects.
-- For: Dataset Ninja's "Objects distribution" heatmap: the number of images holding exactly k
-- objects of the label, k = 0 included (images without the label), on one k axis for all labels
-- as theirs. Their series back: pivot dn_objects_distribution on k using first(images) group by label.
create or replace view dn_objects_distribution as

with images as (
    select * from stg_images
),

objects as (
    select * from stg_objects
),

labels as (
    select distinct label from objects
),

objects_per_image as (
    select
        label,
        image_id,
        count(*) as k
    from objects
    group by label, image_id
),

images_with_k as (
    select
        label,
        k,
        count(*) as images
    from objects_per_image
    group by label, k
),

images_with_label as (
    select
        label,
        count(*) as images
    from objects_per_image
    group by label
),

k_axis as (
    select unnest(range(0, coalesce((select max(k) from objects_per_image), 0) + 1)) as k
),

final as (
    select
        labels.label,
        k_axis.k::integer as k,
        case
            when k_axis.k = 0
                then (select count(*) from images) - coalesce(images_with_label.images, 0)
            else coalesce(images_with_k.images, 0)
        end as images
    from labels
    cross join k_axis
    left join images_with_k
        on images_with_k.label = labels.label and images_with_k.k = k_axis.k
    left join images_with_label
        on images_with_label.label = labels.label
)

select * from final
order by label, k;
