-- out_of_bounds_stats: one row per label with an object whose vertices leave the image.
-- Reads stg_objects (out_of_bounds: a vertex outside 0..width-1, 0..height-1).
-- For: the data-quality section: which classes are drawn past the image border, how often.
create or replace view out_of_bounds_stats as

with objects as (
    select * from stg_objects
),

final as (
    select
        label,
        count(*) as objects
    from objects
    where out_of_bounds
    group by label
)

select * from final
order by objects desc, label;
