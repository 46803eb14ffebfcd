-- data_findings: one row per finding about the data: a geometry fault the real files hold, a reason objects and files were rejected for,
-- or a kind of label-PNG value that differs from the polygons.
-- Reads stg_objects, stg_rejects and stg_label_image_mismatches. For: validate and the report, which show these as figures;
-- a finding never passes or fails (the integrity and completeness suites judge the same data).
create or replace view data_findings as

with objects as (
    select * from stg_objects
),

rejects as (
    select * from stg_rejects
),

label_image_mismatches as (
    select * from stg_label_image_mismatches
),

geometry as (
    select
        'geometry findings' as finding_group,
        'invalid polygons' as finding,
        sum(case when not is_valid then 1 else 0 end) as figure
    from objects
    union all
    select
        'geometry findings' as finding_group,
        'out-of-bounds vertices' as finding,
        sum(case when out_of_bounds then 1 else 0 end) as figure
    from objects
    union all
    select
        'geometry findings' as finding_group,
        'out of roi without its frame' as finding,
        sum(case when roi_frame_missing then 1 else 0 end) as figure
    from objects
),

by_reason as (
    select
        'rejects by reason' as finding_group,
        reason as finding,
        count(*) as figure
    from rejects
    group by reason
),

-- Values whose pixels differ between the download's label PNGs and the official rasterisation of
-- its polygons (build --check-label-pngs), and PNGs that could not be read, counted per kind.
label_pngs as (
    select
        'label PNGs against polygons' as finding_group,
        kind as finding,
        count(*) as figure
    from label_image_mismatches
    group by kind
),

final as (
    select finding_group, finding, coalesce(figure, 0) as figure from geometry
    union all
    select finding_group, finding, figure from by_reason
    union all
    select finding_group, finding, figure from label_pngs
)

select * from final;
