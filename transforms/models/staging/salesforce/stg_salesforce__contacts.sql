-- deletes: `IsDeleted` rows from queryAll (the recycle bin), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'salesforce', 'contacts',
        deleted_expression=json_get('bronze._record', 'IsDeleted', 'boolean'),
        deleted_at_expression=json_get_iso_timestamp('bronze._record', 'SystemModstamp'),
        record_version='latest'
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'Id') }}, latest._record_key) as contact_id,
        {{ json_get('latest._record', 'AccountId') }} as account_id,
        {{ json_get('latest._record', 'MasterRecordId') }} as master_record_id,
        {{ json_get('latest._record', 'Salutation') }} as salutation,
        {{ json_get('latest._record', 'FirstName') }} as first_name,
        {{ json_get('latest._record', 'LastName') }} as last_name,
        {{ json_get('latest._record', 'Name') }} as full_name,
        {{ json_get('latest._record', 'Email') }} as email,
        {{ json_get('latest._record', 'Phone') }} as phone,
        {{ json_get('latest._record', 'MobilePhone') }} as mobile_phone,
        {{ json_get('latest._record', 'Title') }} as title,
        {{ json_get('latest._record', 'Department') }} as department,
        {{ json_get('latest._record', 'MailingCity') }} as mailing_city,
        {{ json_get('latest._record', 'MailingCountry') }} as mailing_country,
        {{ json_get('latest._record', 'LeadSource') }} as lead_source,
        {{ json_get('latest._record', 'HasOptedOutOfEmail', 'boolean') }} as has_opted_out_of_email,
        {{ json_get('latest._record', 'OwnerId') }} as owner_user_id,
        cast({{ json_get('latest._record', 'LastActivityDate') }} as date) as last_activity_date,
        {{ json_get_iso_timestamp('latest._record', 'CreatedDate') }} as created_at,
        {{ json_get('latest._record', 'CreatedById') }} as created_by_user_id,
        {{ json_get_iso_timestamp('latest._record', 'LastModifiedDate') }} as last_modified_at,
        {{ json_get('latest._record', 'LastModifiedById') }} as last_modified_by_user_id,
        {{ json_get_iso_timestamp('latest._record', 'SystemModstamp') }} as system_modstamp_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
