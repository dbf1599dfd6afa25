-- Users are never deleted in Salesforce (deactivated: is_active = false); is_deleted only comes
-- from a user missing from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'salesforce', 'users',
        deleted_at_expression=json_get_iso_timestamp('bronze._record', 'SystemModstamp'),
        record_version='latest'
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'Id') }}, latest._record_key) as user_id,
        {{ json_get('latest._record', 'Username') }} as username,
        {{ json_get('latest._record', 'FirstName') }} as first_name,
        {{ json_get('latest._record', 'LastName') }} as last_name,
        {{ json_get('latest._record', 'Name') }} as full_name,
        {{ json_get('latest._record', 'Alias') }} as alias,
        {{ json_get('latest._record', 'Email') }} as email,
        {{ json_get('latest._record', 'CompanyName') }} as company_name,
        {{ json_get('latest._record', 'Department') }} as department,
        {{ json_get('latest._record', 'Title') }} as title,
        {{ json_get('latest._record', 'IsActive', 'boolean') }} as is_active,
        {{ json_get('latest._record', 'UserType') }} as user_type,
        {{ json_get('latest._record', 'ProfileId') }} as profile_id,
        {{ json_get('latest._record', 'UserRoleId') }} as user_role_id,
        {{ json_get('latest._record', 'ManagerId') }} as manager_user_id,
        {{ json_get('latest._record', 'TimeZoneSidKey') }} as time_zone_sid_key,
        {{ json_get('latest._record', 'LocaleSidKey') }} as locale_sid_key,
        {{ json_get('latest._record', 'LanguageLocaleKey') }} as language_locale_key,
        {{ json_get_iso_timestamp('latest._record', 'CreatedDate') }} as created_at,
        {{ json_get('latest._record', 'CreatedById') }} as created_by_user_id,
        {{ json_get_iso_timestamp('latest._record', 'LastModifiedDate') }} as last_modified_at,
        {{ json_get('latest._record', 'LastModifiedById') }} as last_modified_by_user_id,
        {{ json_get_iso_timestamp('latest._record', 'SystemModstamp') }} as system_modstamp_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
