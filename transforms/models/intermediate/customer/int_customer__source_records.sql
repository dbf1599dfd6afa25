{#-
    One row per source record the identity crosswalk knows (source_system, source_entity, source_id)
    with its canonical customer_id: int_identity__crosswalk, made unique per source record (should a
    record appear twice, the live, most confident, smallest customer_id row wins) so that marts can
    join on it without fanning out.
-#}
with crosswalk as (
    select * from {{ ref('int_identity__crosswalk') }}
),

ranked as (
    select
        crosswalk.source_system,
        crosswalk.source_entity,
        cast(crosswalk.source_id as {{ dbt.type_string() }}) as source_id,
        crosswalk.customer_id,
        crosswalk.match_rule,
        crosswalk.confidence,
        coalesce(crosswalk.is_deleted, false) as is_deleted,
        row_number() over (
            partition by crosswalk.source_system, crosswalk.source_entity, crosswalk.source_id
            order by
                case when coalesce(crosswalk.is_deleted, false) then 1 else 0 end,
                crosswalk.confidence desc,
                crosswalk.customer_id asc
        ) as duplicate_rank
    from crosswalk
    where crosswalk.customer_id is not null
)

select
    source_system,
    source_entity,
    source_id,
    customer_id,
    match_rule,
    confidence,
    is_deleted
from ranked
where duplicate_rank = 1
