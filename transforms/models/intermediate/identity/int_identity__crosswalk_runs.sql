{{
    config(
        materialized='incremental',
        unique_key=['run_id', 'record_key'],
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type(),
        full_refresh=false
    )
}}

-- The crosswalk as each run left it: one slim row per source record and run (var run_id, else env
-- ACME_RUN_ID, else 'manual'; a re-run of the same run id replaces its rows). Only what
-- int_identity__customer_id_changes compares between two runs; full_refresh=false keeps the history
-- through `dbt build --full-refresh`.
select
    cast('{{ var("run_id", env_var("ACME_RUN_ID", "manual")) }}' as {{ dbt.type_string() }}) as run_id,
    {{ utc_now() }} as snapshotted_at,
    crosswalk.record_key,
    crosswalk.source_system,
    crosswalk.source_entity,
    crosswalk.source_id,
    crosswalk.customer_id
from {{ ref('int_identity__crosswalk') }} as crosswalk
