{{
    config(
        materialized='incremental',
        unique_key=['run_id', 'record_key'],
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type(),
        full_refresh=false
    )
}}

-- Merges and splits, recorded with the run that made them: every source record whose customer_id in
-- this run (int_identity__crosswalk_runs) differs from the previous run's (the latest other run id
-- by snapshot time). change_kind, over all records present in both runs:
--   merge      the new id gathers records of several old ids (customers joined)
--   split      the old id's records now spread over several new ids (a customer came apart)
--   reassigned otherwise (a whole customer changed id, e.g. its anchor record moved)
-- A record that is both in a merge and a split counts as a merge. New records are not changes. The
-- first run has no previous run and records nothing. A re-run of the same run id replaces its rows.
{% set current_run_id = var("run_id", env_var("ACME_RUN_ID", "manual")) %}

with snapshots as (
    select * from {{ ref('int_identity__crosswalk_runs') }}
),

current_state as (
    select *
    from snapshots
    where run_id = '{{ current_run_id }}'
),

previous_run as (
    select run_id
    from (
        select
            run_id,
            row_number() over (order by max(snapshotted_at) desc, run_id desc) as run_rank
        from snapshots
        where run_id <> '{{ current_run_id }}'
        group by run_id
    ) as ranked
    where run_rank = 1
),

previous_state as (
    select snapshots.*
    from snapshots
    inner join previous_run on snapshots.run_id = previous_run.run_id
),

compared as (
    select
        current_state.run_id,
        current_state.snapshotted_at,
        previous_state.run_id as previous_run_id,
        current_state.record_key,
        current_state.source_system,
        current_state.source_entity,
        current_state.source_id,
        previous_state.customer_id as old_customer_id,
        current_state.customer_id as new_customer_id
    from current_state
    inner join previous_state on current_state.record_key = previous_state.record_key
),

old_ids_per_new_id as (
    select
        new_customer_id,
        count(distinct old_customer_id) as old_id_count
    from compared
    group by new_customer_id
),

new_ids_per_old_id as (
    select
        old_customer_id,
        count(distinct new_customer_id) as new_id_count
    from compared
    group by old_customer_id
)

select
    compared.run_id,
    compared.snapshotted_at as changed_at,
    compared.previous_run_id,
    compared.record_key,
    compared.source_system,
    compared.source_entity,
    compared.source_id,
    compared.old_customer_id,
    compared.new_customer_id,
    case
        when old_ids_per_new_id.old_id_count > 1 then 'merge'
        when new_ids_per_old_id.new_id_count > 1 then 'split'
        else 'reassigned'
    end as change_kind
from compared
inner join old_ids_per_new_id on compared.new_customer_id = old_ids_per_new_id.new_customer_id
inner join new_ids_per_old_id on compared.old_customer_id = new_ids_per_old_id.old_customer_id
where compared.old_customer_id <> compared.new_customer_id
