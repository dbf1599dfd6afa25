{{ config(materialized='table') }}

-- One row per canonical customer (customer_id of int_identity__crosswalk). Name and domain come
-- from the primary Salesforce account (the earliest-created live account of the customer, else the
-- earliest account), else from the earliest live record.
with crosswalk as (
    select * from {{ ref('int_identity__crosswalk') }}
),

records as (
    select * from {{ ref('int_identity__source_records') }}
),

ranked as (
    select
        crosswalk.customer_id,
        crosswalk.source_entity,
        crosswalk.source_id,
        records.record_name,
        coalesce(records.website_domain, records.email_domain) as domain,
        records.created_at,
        row_number() over (
            partition by crosswalk.customer_id
            order by
                case when crosswalk.source_entity = 'account' then 0 else 1 end,
                case when crosswalk.is_deleted then 1 else 0 end,
                records.created_at,
                crosswalk.source_id
        ) as primary_rank
    from crosswalk
    inner join records on crosswalk.record_key = records.record_key
),

domains as (
    select
        customer_id,
        domain
    from (
        select
            customer_id,
            domain,
            row_number() over (
                partition by customer_id
                order by case when source_entity = 'account' then 0 else 1 end, count(*) desc, domain
            ) as domain_rank
        from ranked
        where domain is not null
        group by customer_id, domain, case when source_entity = 'account' then 0 else 1 end
    ) as counted
    where domain_rank = 1
),

summary as (
    select
        customer_id,
        min(created_at) as first_seen_at,
        count(*) as source_record_count
    from ranked
    group by customer_id
)

select
    summary.customer_id,
    case when ranked.source_entity = 'account' then ranked.source_id end as primary_salesforce_account_id,
    ranked.record_name as customer_name,
    domains.domain as primary_domain,
    summary.first_seen_at,
    summary.source_record_count
from summary
inner join ranked
    on summary.customer_id = ranked.customer_id
        and ranked.primary_rank = 1
left join domains on summary.customer_id = domains.customer_id
