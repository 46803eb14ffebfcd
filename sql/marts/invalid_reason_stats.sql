-- invalid_reason_stats: one row per reason GEOS gives for an invalid polygon.
-- Reads stg_objects; the reason is invalid_reason without its coordinates ("Self-intersection").
-- For: the data-quality section: which kinds of invalid geometry, on how many objects and classes.
create or replace view invalid_reason_stats as

with objects as (
    select * from stg_objects
),

invalid as (
    select
        trim(split_part(invalid_reason, '[', 1)) as reason,
        label
    from objects
    where not is_valid
),

final as (
    select
        reason,
        count(*) as objects,
        count(distinct label) as labels
    from invalid
    group by reason
)

select * from final
order by objects desc, reason;
