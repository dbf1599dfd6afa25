-- deletes: `deleted_at` set (the tap adds `_sdc_deleted_at`, bronze `_is_deleted`), or absent from
-- the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'zendesk', 'organizations',
        deleted_at_expression=json_get_iso_timestamp('bronze._record', 'deleted_at'),
        record_version='latest'
    ) }}
),

renamed as (
    select
        coalesce(
            {{ json_get('latest._record', 'id', 'integer') }},
            cast(latest._record_key as {{ dbt.type_bigint() }})
        ) as organization_id,
        {{ json_get('latest._record', 'name') }} as organization_name,
        {{ json_get('latest._record', 'external_id') }} as external_id,
        {{ json_get('latest._record', 'domain_names', 'json') }} as domain_names,
        {{ json_get('latest._record', 'group_id', 'integer') }} as group_id,
        {{ json_get('latest._record', 'tags', 'json') }} as tags,
        {{ json_get('latest._record', 'organization_fields', 'json') }} as organization_fields,
        {{ json_get('latest._record', 'details') }} as details,
        {{ json_get('latest._record', 'notes') }} as notes,
        {{ json_get('latest._record', 'shared_tickets', 'boolean') }} as is_shared_tickets,
        {{ json_get('latest._record', 'shared_comments', 'boolean') }} as is_shared_comments,
        {{ json_get_iso_timestamp('latest._record', 'created_at') }} as created_at,
        {{ json_get_iso_timestamp('latest._record', 'updated_at') }} as updated_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
