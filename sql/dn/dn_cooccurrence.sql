-- dn_cooccurrence: one row per ordered pair of labels that occur in the data (both orders, and a
-- label with itself).
-- Reads stg_objects.
-- For: Dataset Ninja's co-occurrence matrix in long form: images holding both labels; on the
-- diagonal (label_a = label_b) the images holding the label. Their matrix back:
-- pivot dn_cooccurrence on label_b using first(images) group by label_a.
create or replace view dn_cooccurrence as

with objects as (
    select * from stg_objects
),

labels_per_image as (
    select distinct image_id, label from objects
),

labels as (
    select distinct label from objects
),

pairs as (
    select
        a.label as label_a,
        b.label as label_b,
        count(*) as images
    from labels_per_image as a
    inner join labels_per_image as b using (image_id)
    group by a.label, b.label
),

final as (
    select
        la.label as label_a,
        lb.label as label_b,
        coalesce(pairs.images, 0) as images
    from labels as la
    cross join labels as lb
    left join pairs
        on pairs.label_a = la.label and pairs.label_b = lb.label
)

select * from final
order by label_a, label_b;
