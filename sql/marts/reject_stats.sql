-- reject_stats: one row per reason an object or a file was read but not loaded.
-- Reads stg_rejects.
-- For: the data-quality section and the build summary's rejects by reason.
create or replace view reject_stats as

with rejects as (
    select * from stg_rejects
),

final as (
    select
        reason,
        count(*) as rejects,
        count(*) filter (where draw_order is null) as files
    from rejects
    group by reason
)

select * from final
order by rejects desc, reason;
