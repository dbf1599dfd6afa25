-- deletes: `IsDeleted` rows from queryAll (the recycle bin), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'salesforce', 'opportunities',
        deleted_expression=json_get('bronze._record', 'IsDeleted', 'boolean'),
        deleted_at_expression=json_get_iso_timestamp('bronze._record', 'SystemModstamp'),
        record_version='latest'
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'Id') }}, latest._record_key) as opportunity_id,
        {{ json_get('latest._record', 'AccountId') }} as account_id,
        {{ json_get('latest._record', 'Name') }} as opportunity_name,
        {{ json_get('latest._record', 'Type') }} as opportunity_type,
        {{ json_get('latest._record', 'StageName') }} as stage_name,
        {{ json_get('latest._record', 'IsClosed', 'boolean') }} as is_closed,
        {{ json_get('latest._record', 'IsWon', 'boolean') }} as is_won,
        {{ json_get('latest._record', 'ForecastCategory') }} as forecast_category,
        {{ json_get('latest._record', 'ForecastCategoryName') }} as forecast_category_name,
        {{ json_get('latest._record', 'Amount', 'numeric') }} as amount,
        {{ json_get('latest._record', 'Probability', 'numeric') }} as probability,
        {{ json_get('latest._record', 'ExpectedRevenue', 'numeric') }} as expected_revenue,
        cast({{ json_get('latest._record', 'CloseDate') }} as date) as close_date,
        {{ json_get('latest._record', 'FiscalYear', 'integer') }} as fiscal_year,
        {{ json_get('latest._record', 'FiscalQuarter', 'integer') }} as fiscal_quarter,
        {{ json_get('latest._record', 'LeadSource') }} as lead_source,
        {{ json_get('latest._record', 'NextStep') }} as next_step,
        {{ json_get('latest._record', 'Description') }} as description,
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
