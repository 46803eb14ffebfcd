-- check_objects_read: one row per build (build_info holds one).
-- Reads stg_build_info, stg_objects and stg_rejects.
-- For: the integrity suite. Every object read from a file that parsed is either loaded or rejected
-- with its draw_order, so objects + object-level rejects = objects_read and unaccounted_objects = 0.
create or replace view check_objects_read as

with build_info as (
    select * from stg_build_info
),

objects as (
    select * from stg_objects
),

rejects as (
    select * from stg_rejects
),

loaded as (
    select count(*) as objects from objects
),

rejected as (
    select count(*) as object_rejects from rejects where draw_order is not null
),

final as (
    select
        build_info.objects_read,
        loaded.objects,
        rejected.object_rejects,
        build_info.objects_read - loaded.objects - rejected.object_rejects as unaccounted_objects
    from build_info
    cross join loaded
    cross join rejected
)

select * from final;
