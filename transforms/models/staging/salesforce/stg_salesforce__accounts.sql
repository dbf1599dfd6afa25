-- deletes: `IsDeleted` rows from queryAll (the recycle bin), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'salesforce', 'accounts',
        deleted_expression=json_get('bronze._record', 'IsDeleted', 'boolean'),
        deleted_at_expression=json_get_iso_timestamp('bronze._record', 'SystemModstamp'),
        record_version='latest'
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'Id') }}, latest._record_key) as account_id,
        {{ json_get('latest._record', 'Name') }} as account_name,
        {{ json_get('latest._record', 'Type') }} as account_type,
        {{ json_get('latest._record', 'ParentId') }} as parent_account_id,
        {{ json_get('latest._record', 'MasterRecordId') }} as master_record_id,
        {{ json_get('latest._record', 'Stripe_Customer_Id__c') }} as stripe_customer_id,
        {{ json_get('latest._record', 'Website') }} as website,
        {{ json_get('latest._record', 'Phone') }} as phone,
        {{ json_get('latest._record', 'BillingStreet') }} as billing_street,
        {{ json_get('latest._record', 'BillingCity') }} as billing_city,
        {{ json_get('latest._record', 'BillingState') }} as billing_state,
        {{ json_get('latest._record', 'BillingPostalCode') }} as billing_postal_code,
        {{ json_get('latest._record', 'BillingCountry') }} as billing_country,
        {{ json_get('latest._record', 'Industry') }} as industry,
        {{ json_get('latest._record', 'AnnualRevenue', 'numeric') }} as annual_revenue,
        {{ json_get('latest._record', 'NumberOfEmployees', 'integer') }} as number_of_employees,
        {{ json_get('latest._record', 'AccountSource') }} as account_source,
        {{ json_get('latest._record', 'Description') }} as description,
        {{ json_get('latest._record', 'OwnerId') }} as owner_user_id,
        {{ json_get('latest._record', 'Health_Score__c', 'numeric') }} as health_score,
        {{ json_get('latest._record', 'Days_Since_Last_Activity__c', 'numeric') }} as days_since_last_activity,
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
