-- One row per customer-side source record that identity resolution places: Salesforce accounts and
-- contacts, Stripe customers, Zendesk organizations and end users (agents are AcmeCloud staff and
-- are left out). Identifiers are normalised here once; deleted records are kept (flagged).
with accounts as (
    select
        'salesforce' as source_system,
        'account' as source_entity,
        account_id as source_id,
        is_deleted,
        created_at,
        trim(account_name) as record_name,
        {{ identity_normalize_name('account_name') }} as name_norm,
        cast(null as {{ dbt.type_string() }}) as email_norm,
        coalesce(
            {{ identity_normalize_domain('website') }},
            -- an account named after its domain ("acme.com")
            case
                when lower(trim(account_name)) like '%_._%' and trim(account_name) not like '% %'
                    then lower(trim(account_name))
            end
        ) as website_domain,
        {{ identity_salesforce_id15('master_record_id') }} as master_id15,
        cast(null as {{ dbt.type_string() }}) as account_ref15,
        nullif(trim(stripe_customer_id), '') as stripe_customer_ref,
        cast(null as {{ dbt.type_string() }}) as phone_raw,
        cast(null as {{ dbt.type_string() }}) as mobile_raw,
        cast(null as {{ dbt.type_string() }}) as parent_key
    from {{ ref('stg_salesforce__accounts') }}
),

contacts as (
    select
        'salesforce' as source_system,
        'contact' as source_entity,
        contact_id as source_id,
        is_deleted,
        created_at,
        trim(full_name) as record_name,
        cast(null as {{ dbt.type_string() }}) as name_norm,
        {{ identity_normalize_email('email') }} as email_norm,
        cast(null as {{ dbt.type_string() }}) as website_domain,
        {{ identity_salesforce_id15('master_record_id') }} as master_id15,
        {{ identity_salesforce_id15('account_id') }} as account_ref15,
        cast(null as {{ dbt.type_string() }}) as stripe_customer_ref,
        phone as phone_raw,
        mobile_phone as mobile_raw,
        cast(null as {{ dbt.type_string() }}) as parent_key
    from {{ ref('stg_salesforce__contacts') }}
),

stripe_customers as (
    select
        'stripe' as source_system,
        'customer' as source_entity,
        customer_id as source_id,
        is_deleted,
        created_at,
        trim(customer_name) as record_name,
        {{ identity_normalize_name('customer_name') }} as name_norm,
        {{ identity_normalize_email('email') }} as email_norm,
        cast(null as {{ dbt.type_string() }}) as website_domain,
        cast(null as {{ dbt.type_string() }}) as master_id15,
        {{ identity_salesforce_id15(
            "coalesce(" ~ json_get('metadata', 'salesforce_account_id') ~ ", "
            ~ json_get('metadata', 'sfdc_account_id') ~ ", "
            ~ json_get('metadata', 'salesforce_id') ~ ")"
        ) }} as account_ref15,
        cast(null as {{ dbt.type_string() }}) as stripe_customer_ref,
        cast(null as {{ dbt.type_string() }}) as phone_raw,
        cast(null as {{ dbt.type_string() }}) as mobile_raw,
        cast(null as {{ dbt.type_string() }}) as parent_key
    from {{ ref('stg_stripe__customers') }}
),

organizations as (
    select
        'zendesk' as source_system,
        'organization' as source_entity,
        cast(organization_id as {{ dbt.type_string() }}) as source_id,
        is_deleted,
        created_at,
        trim(organization_name) as record_name,
        {{ identity_normalize_name('organization_name') }} as name_norm,
        cast(null as {{ dbt.type_string() }}) as email_norm,
        case
            when lower(trim(organization_name)) like '%_._%' and trim(organization_name) not like '% %'
                then lower(trim(organization_name))
        end as website_domain,
        cast(null as {{ dbt.type_string() }}) as master_id15,
        {{ identity_salesforce_id15('external_id') }} as account_ref15,
        cast(null as {{ dbt.type_string() }}) as stripe_customer_ref,
        cast(null as {{ dbt.type_string() }}) as phone_raw,
        cast(null as {{ dbt.type_string() }}) as mobile_raw,
        cast(null as {{ dbt.type_string() }}) as parent_key
    from {{ ref('stg_zendesk__organizations') }}
),

users as (
    select
        'zendesk' as source_system,
        'user' as source_entity,
        cast(user_id as {{ dbt.type_string() }}) as source_id,
        is_deleted,
        created_at,
        trim(user_name) as record_name,
        cast(null as {{ dbt.type_string() }}) as name_norm,
        {{ identity_normalize_email('email') }} as email_norm,
        cast(null as {{ dbt.type_string() }}) as website_domain,
        cast(null as {{ dbt.type_string() }}) as master_id15,
        cast(null as {{ dbt.type_string() }}) as account_ref15,
        cast(null as {{ dbt.type_string() }}) as stripe_customer_ref,
        phone as phone_raw,
        cast(null as {{ dbt.type_string() }}) as mobile_raw,
        case
            when organization_id is not null
                then 'zendesk:organization:' || cast(organization_id as {{ dbt.type_string() }})
        end as parent_key
    from {{ ref('stg_zendesk__users') }}
    where coalesce(role, 'end-user') = 'end-user'
),

unioned as (
    select * from accounts
    union all
    select * from contacts
    union all
    select * from stripe_customers
    union all
    select * from organizations
    union all
    select * from users
)

select
    source_system || ':' || source_entity || ':' || source_id as record_key,
    source_system,
    source_entity,
    source_id,
    coalesce(is_deleted, false) as is_deleted,
    created_at,
    record_name,
    name_norm,
    email_norm,
    {{ identity_email_domain('email_norm') }} as email_domain,
    website_domain,
    master_id15,
    account_ref15,
    stripe_customer_ref,
    parent_key,
    -- phones as digits only (8+ digits, else null)
    case
        when length({{ identity_regexp_replace('phone_raw', '[^0-9]', '') }}) >= 8
            then {{ identity_regexp_replace('phone_raw', '[^0-9]', '') }}
    end as phone_norm,
    case
        when length({{ identity_regexp_replace('mobile_raw', '[^0-9]', '') }}) >= 8
            then {{ identity_regexp_replace('mobile_raw', '[^0-9]', '') }}
    end as mobile_norm,
    lower(trim(record_name)) as person_name_norm,
    case when source_entity = 'account' then substr(source_id, 1, 15) end as account_id15
from unioned
