{{
    config(
        materialized='incremental',
        unique_key=['run_id', 'source_system', 'source_entity', 'match_rule'],
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type()
    )
}}

-- Per run, source system / entity and rule: how many records were matched (placed by that rule),
-- unmatched (no evidence: singleton customers) and conflicting (placed despite evidence for another
-- customer). Appended once per run (var run_id, else env ACME_RUN_ID, else 'manual'; a re-run of the
-- same run id replaces its rows).
with crosswalk as (
    select * from {{ ref('int_identity__crosswalk') }}
),

conflicted as (
    select distinct
        source_system,
        source_entity,
        source_id
    from {{ ref('int_identity__conflicts') }}
    where outcome = 'rejected'
)

select
    cast('{{ var("run_id", env_var("ACME_RUN_ID", "manual")) }}' as {{ dbt.type_string() }}) as run_id,
    {{ utc_now() }} as reconciled_at,
    crosswalk.source_system,
    crosswalk.source_entity,
    crosswalk.match_rule,
    count(*) as record_count,
    sum(case when crosswalk.match_rule <> 'unmatched' then 1 else 0 end) as matched_count,
    sum(case when crosswalk.match_rule = 'unmatched' then 1 else 0 end) as unmatched_count,
    sum(case when conflicted.source_id is not null then 1 else 0 end) as conflicting_count,
    sum(case when crosswalk.is_deleted then 1 else 0 end) as deleted_count,
    avg(crosswalk.confidence) as average_confidence,
    count(distinct crosswalk.customer_id) as customer_count
from crosswalk
left join conflicted
    on crosswalk.source_system = conflicted.source_system
        and crosswalk.source_entity = conflicted.source_entity
        and crosswalk.source_id = conflicted.source_id
group by crosswalk.source_system, crosswalk.source_entity, crosswalk.match_rule
