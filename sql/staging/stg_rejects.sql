-- stg_rejects: one row per object or file that was read but not loaded, with its reason.
-- Reads the rejects table; draw_order is null when the whole file was rejected.
-- For: data-quality findings.
create or replace view stg_rejects as

with source as (
    select * from rejects
),

final as (
    select
        source_path,
        image_id,
        draw_order,
        label,
        reason,
        detail,
        raw
    from source
)

select * from final;
