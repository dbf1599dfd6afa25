-- deletes: absent from the latest complete full snapshot (Zendesk deactivates users: `active` is
-- false, kept as is_active, not a delete)
with latest as (
    {{ latest_version_with_deletes('zendesk', 'users', record_version='latest') }}
),

renamed as (
    select
        coalesce(
            {{ json_get('latest._record', 'id', 'integer') }},
            cast(latest._record_key as {{ dbt.type_bigint() }})
        ) as user_id,
        {{ json_get('latest._record', 'name') }} as user_name,
        {{ json_get('latest._record', 'email') }} as email,
        {{ json_get('latest._record', 'phone') }} as phone,
        {{ json_get('latest._record', 'role') }} as role,
        {{ json_get('latest._record', 'organization_id', 'integer') }} as organization_id,
        {{ json_get('latest._record', 'external_id') }} as external_id,
        {{ json_get('latest._record', 'default_group_id', 'integer') }} as default_group_id,
        {{ json_get('latest._record', 'active', 'boolean') }} as is_active,
        {{ json_get('latest._record', 'verified', 'boolean') }} as is_verified,
        {{ json_get('latest._record', 'suspended', 'boolean') }} as is_suspended,
        {{ json_get('latest._record', 'time_zone') }} as time_zone,
        {{ json_get('latest._record', 'iana_time_zone') }} as iana_time_zone,
        {{ json_get('latest._record', 'locale') }} as locale,
        {{ json_get('latest._record', 'tags', 'json') }} as tags,
        {{ json_get('latest._record', 'user_fields', 'json') }} as user_fields,
        {{ json_get_iso_timestamp('latest._record', 'last_login_at') }} as last_login_at,
        {{ json_get_iso_timestamp('latest._record', 'created_at') }} as created_at,
        {{ json_get_iso_timestamp('latest._record', 'updated_at') }} as updated_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
