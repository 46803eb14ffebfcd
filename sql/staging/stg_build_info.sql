-- stg_build_info: one row per build (the warehouse holds one).
-- Reads the build_info table: what was read, from what, when, and whether it is the synthetic replica.
-- For: the integrity check that every object read is loaded or rejected, and labels in outputs.
create or replace view stg_build_info as

with source as (
    select * from build_info
),

final as (
    select
        tool_version,
        source,
        source_kind,
        synthetic,
        built_at,
        files_read,
        objects_read,
        pixels,
        seconds
    from source
)

select * from final;
