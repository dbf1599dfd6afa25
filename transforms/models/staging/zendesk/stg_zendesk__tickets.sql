{{
    config(
        materialized='incremental',
        unique_key='ticket_id',
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type(),
        on_schema_change='append_new_columns'
    )
}}

-- deletes: `status: deleted` in the export (the tap adds `_sdc_deleted_at`, bronze `_is_deleted`),
-- or absent from the latest complete full snapshot (purged); the deleted version keeps every field
with latest as (
    {{ latest_version_with_deletes(
        'zendesk', 'tickets',
        deleted_at_expression=json_get_iso_timestamp('bronze._record', '_sdc_deleted_at'),
        record_version='latest'
    ) }}
),

renamed as (
    select
        coalesce(
            {{ json_get('latest._record', 'id', 'integer') }},
            cast(latest._record_key as {{ dbt.type_bigint() }})
        ) as ticket_id,
        {{ json_get('latest._record', 'subject') }} as subject,
        {{ json_get('latest._record', 'description') }} as description,
        {{ json_get('latest._record', 'status') }} as status,
        {{ json_get('latest._record', 'priority') }} as priority,
        {{ json_get('latest._record', 'type') }} as ticket_type,
        {{ json_get('latest._record', 'via.channel') }} as channel,
        {{ json_get('latest._record', 'requester_id', 'integer') }} as requester_id,
        {{ json_get('latest._record', 'submitter_id', 'integer') }} as submitter_id,
        {{ json_get('latest._record', 'assignee_id', 'integer') }} as assignee_id,
        {{ json_get('latest._record', 'organization_id', 'integer') }} as organization_id,
        {{ json_get('latest._record', 'group_id', 'integer') }} as group_id,
        {{ json_get('latest._record', 'brand_id', 'integer') }} as brand_id,
        {{ json_get('latest._record', 'ticket_form_id', 'integer') }} as ticket_form_id,
        {{ json_get('latest._record', 'problem_id', 'integer') }} as problem_id,
        {{ json_get('latest._record', 'external_id') }} as external_id,
        {{ json_get('latest._record', 'has_incidents', 'boolean') }} as has_incidents,
        {{ json_get('latest._record', 'is_public', 'boolean') }} as is_public,
        {{ json_get('latest._record', 'tags', 'json') }} as tags,
        {{ json_get('latest._record', 'custom_fields', 'json') }} as custom_fields,
        {{ json_get('latest._record', 'satisfaction_rating.score') }} as satisfaction_score,
        {{ json_get_iso_timestamp('latest._record', 'due_at') }} as due_at,
        {{ json_get_iso_timestamp('latest._record', 'created_at') }} as created_at,
        {{ json_get_iso_timestamp('latest._record', 'updated_at') }} as updated_at,
        {{ json_get_timestamp('latest._record', 'generated_timestamp') }} as generated_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
