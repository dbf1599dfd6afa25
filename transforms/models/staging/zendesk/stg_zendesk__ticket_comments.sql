{{
    config(
        materialized='incremental',
        unique_key='comment_id',
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type(),
        on_schema_change='append_new_columns'
    )
}}

-- comments never change; deletes: absent from the latest complete full snapshot (the full job reads
-- the comments of every live ticket, so comments of deleted or purged tickets drop out)
with latest as (
    {{ latest_version_with_deletes('zendesk', 'ticket_comments', record_version='latest') }}
),

renamed as (
    select
        coalesce(
            {{ json_get('latest._record', 'id', 'integer') }},
            cast(latest._record_key as {{ dbt.type_bigint() }})
        ) as comment_id,
        {{ json_get('latest._record', 'ticket_id', 'integer') }} as ticket_id,
        {{ json_get('latest._record', 'author_id', 'integer') }} as author_id,
        {{ json_get('latest._record', 'type') }} as comment_type,
        {{ json_get('latest._record', 'body') }} as body,
        {{ json_get('latest._record', 'public', 'boolean') }} as is_public,
        {{ json_get('latest._record', 'audit_id', 'integer') }} as audit_id,
        {{ json_get('latest._record', 'via.channel') }} as channel,
        {{ json_get('latest._record', 'attachments', 'json') }} as attachments,
        {{ json_get_iso_timestamp('latest._record', 'created_at') }} as created_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
