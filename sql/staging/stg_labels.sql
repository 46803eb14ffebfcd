-- stg_labels: one row per label of the Cityscapes label table, crowd labels included.
-- Reads the labels table.
-- For: joining categories, ids and colours onto statistics.
create or replace view stg_labels as

with source as (
    select * from labels
),

final as (
    select
        label,
        label_id,
        train_id,
        category,
        category_id,
        has_instances,
        ignore_in_eval,
        is_group,
        base_label,
        color_r,
        color_g,
        color_b,
        color_hex
    from source
)

select * from final;
