{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type(),
        on_schema_change='append_new_columns'
    )
}}

-- Stripe keeps events for 30 days: a full read of /v1/events is not a snapshot of every
-- event, so no delete inference from full snapshots (events are immutable anyway)
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'events',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean'),
        infer_deletes=false
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as event_id,
        {{ json_get('latest._record', 'type') }} as event_type,
        {{ json_get('latest._record', 'api_version') }} as api_version,
        {{ json_get('latest._record', 'data.object.id') }} as object_id,
        {{ json_get('latest._record', 'data.object.object') }} as object_type,
        {{ json_get('latest._record', 'request.id') }} as request_id,
        {{ json_get('latest._record', 'pending_webhooks', 'integer') }} as pending_webhooks,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'data.object', 'json') }} as data_object,
        {{ json_get('latest._record', 'data.previous_attributes', 'json') }} as previous_attributes,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
