{#-
    One row per canonical customer (int_identity__customers): Salesforce account and owner, open
    pipeline, current MRR / ARR (fct_mrr at the month of as_of), subscription status, failed payments
    in the last 90 days, support load and satisfaction, first and last activity, and the live source
    ids and pipeline runs behind the row. Everything is as of var `as_of` (default now).
-#}
with customers as (
    select * from {{ ref('int_identity__customers') }}
),

source_records as (
    select * from {{ ref('int_customer__source_records') }}
),

accounts as (
    select * from {{ ref('stg_salesforce__accounts') }}
),

sf_users as (
    select * from {{ ref('stg_salesforce__users') }}
),

opportunities as (
    select * from {{ ref('stg_salesforce__opportunities') }}
    where not is_deleted
),

stripe_customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
    where not is_deleted
),

organizations as (
    select * from {{ ref('stg_zendesk__organizations') }}
),

mrr as (
    select * from {{ ref('fct_mrr') }}
),

failed_payments as (
    select * from {{ ref('fct_failed_payments') }}
),

tickets as (
    select * from {{ ref('int_support__tickets') }}
    where
        not is_deleted
        and customer_id is not null
        and created_at <= {{ as_of_timestamp() }}
),

-- customer-level source records (live ones feed the id lists)
customer_accounts as (
    select
        source_records.customer_id,
        accounts.account_id,
        accounts.created_at,
        accounts.last_activity_date,
        accounts._run_id,
        accounts._loaded_at,
        not(source_records.is_deleted or accounts.is_deleted) as is_live
    from source_records
    inner join accounts
        on source_records.source_id = accounts.account_id
    where source_records.source_system = 'salesforce' and source_records.source_entity = 'account'
),

customer_stripe as (
    select
        source_records.customer_id,
        stripe_customers.customer_id as stripe_customer_id,
        stripe_customers.created_at,
        stripe_customers._run_id,
        stripe_customers._loaded_at,
        not(source_records.is_deleted or stripe_customers.is_deleted) as is_live
    from source_records
    inner join stripe_customers
        on source_records.source_id = stripe_customers.customer_id
    where source_records.source_system = 'stripe' and source_records.source_entity = 'customer'
),

customer_organizations as (
    select
        source_records.customer_id,
        organizations.organization_id,
        organizations.created_at,
        organizations._run_id,
        organizations._loaded_at,
        not(source_records.is_deleted or organizations.is_deleted) as is_live
    from source_records
    inner join organizations
        on source_records.source_id = cast(organizations.organization_id as {{ dbt.type_string() }})
    where source_records.source_system = 'zendesk' and source_records.source_entity = 'organization'
),

customer_level_records as (
    select
        customer_id,
        'salesforce' as source_system,
        account_id as source_id,
        _run_id,
        _loaded_at,
        is_live
    from customer_accounts
    union all
    select
        customer_id,
        'stripe' as source_system,
        stripe_customer_id as source_id,
        _run_id,
        _loaded_at,
        is_live
    from customer_stripe
    union all
    select
        customer_id,
        'zendesk' as source_system,
        cast(organization_id as {{ dbt.type_string() }}) as source_id,
        _run_id,
        _loaded_at,
        is_live
    from customer_organizations
),

source_ids as (
    select
        customer_id,
        {{ id_list_agg("case when source_system = 'salesforce' and is_live then source_id end") }}
            as salesforce_account_ids,
        {{ id_list_agg("case when source_system = 'stripe' and is_live then source_id end") }}
            as stripe_customer_ids,
        {{ id_list_agg("case when source_system = 'zendesk' and is_live then source_id end") }}
            as zendesk_organization_ids,
        {{ id_list_agg('_run_id') }} as _source_run_ids,
        max(_loaded_at) as _last_loaded_at
    from customer_level_records
    group by customer_id
),

pipeline as (
    select
        customer_accounts.customer_id,
        count(*) as open_opportunity_count,
        sum(coalesce(opportunities.amount, 0)) as open_pipeline_amount,
        min(opportunities.close_date) as next_opportunity_close_date
    from customer_accounts
    inner join opportunities
        on customer_accounts.account_id = opportunities.account_id
    where not coalesce(opportunities.is_closed, false)
    group by customer_accounts.customer_id
),

current_mrr as (
    select
        customer_stripe.customer_id,
        sum(mrr.mrr) as current_mrr,
        count(distinct mrr.currency) as currency_count,
        max(mrr.currency) as currency
    from customer_stripe
    inner join mrr
        on customer_stripe.stripe_customer_id = mrr.stripe_customer_id
    where mrr.month = cast({{ dbt.date_trunc('month', as_of_timestamp()) }} as date)
    group by customer_stripe.customer_id
),

subscription_states as (
    select
        customer_stripe.customer_id,
        -- the most alive status among the customer's subscriptions (latest known status)
        min(
            case subscriptions.status
                when 'active' then 1
                when 'past_due' then 2
                when 'trialing' then 3
                when 'unpaid' then 4
                when 'paused' then 5
                when 'incomplete' then 6
                when 'canceled' then 7
                when 'incomplete_expired' then 8
                else 9
            end
        ) as status_rank,
        sum(
            case
                when
                    subscriptions.ended_at is null or subscriptions.ended_at > {{ as_of_timestamp() }}
                    then 1
                else 0
            end
        ) as active_subscription_count
    from customer_stripe
    inner join subscriptions
        on customer_stripe.stripe_customer_id = subscriptions.customer_id
    where subscriptions.started_at <= {{ as_of_timestamp() }}
    group by customer_stripe.customer_id
),

failed_90d as (
    select
        customer_id,
        count(*) as failed_payment_count_90d,
        sum(case when is_recovered then 0 else 1 end) as unrecovered_failed_payment_count_90d,
        max(failed_at) as last_failed_payment_at
    from failed_payments
    where
        customer_id is not null
        and failed_at > {{ dbt.dateadd('day', -90, as_of_timestamp()) }}
    group by customer_id
),

support as (
    select
        customer_id,
        count(*) as ticket_count,
        sum(case when is_open then 1 else 0 end) as open_ticket_count,
        sum(case when is_open and (is_escalated or is_urgent) then 1 else 0 end) as open_escalation_count,
        sum(
            case when created_at > {{ dbt.dateadd('day', -90, as_of_timestamp()) }} then 1 else 0 end
        ) as ticket_count_90d,
        sum(case when satisfaction_score = 'good' then 1 else 0 end) as good_rating_count,
        sum(case when satisfaction_score in ('good', 'bad') then 1 else 0 end) as rating_count
    from tickets
    group by customer_id
),

activity as (
    select
        customer_id,
        created_at as activity_at
    from customer_accounts
    union all
    select
        customer_id,
        cast(last_activity_date as {{ timestamp_type() }}) as activity_at
    from customer_accounts
    union all
    select
        customer_id,
        created_at as activity_at
    from customer_stripe
    union all
    select
        customer_id,
        created_at as activity_at
    from customer_organizations
    union all
    select
        customer_accounts.customer_id,
        opportunities.created_at as activity_at
    from customer_accounts
    inner join opportunities on customer_accounts.account_id = opportunities.account_id
    union all
    select
        customer_id,
        created_at as activity_at
    from tickets
    union all
    select
        customer_id,
        updated_at as activity_at
    from tickets
    union all
    select
        customer_id,
        failed_at as activity_at
    from failed_payments
),

activity_bounds as (
    select
        customer_id,
        min(activity_at) as first_activity_at,
        max(activity_at) as last_activity_at
    from activity
    where activity_at is not null and activity_at <= {{ as_of_timestamp() }}
    group by customer_id
),

final as (
    select
        customers.customer_id,
        customers.customer_name,
        customers.primary_domain,
        customers.primary_salesforce_account_id,
        primary_account.account_name as salesforce_account_name,
        primary_account.account_type as salesforce_account_type,
        primary_account.industry,
        primary_account.billing_country,
        primary_account.number_of_employees,
        primary_account.annual_revenue,
        primary_account.owner_user_id as account_owner_user_id,
        account_owner.full_name as account_owner_name,
        account_owner.email as account_owner_email,
        cast(coalesce(pipeline.open_opportunity_count, 0) as {{ dbt.type_int() }}) as open_opportunity_count,
        cast(coalesce(pipeline.open_pipeline_amount, 0) as numeric(28, 2)) as open_pipeline_amount,
        pipeline.next_opportunity_close_date,
        cast(coalesce(current_mrr.current_mrr, 0) as numeric(28, 2)) as current_mrr,
        cast(coalesce(current_mrr.current_mrr, 0) * 12 as numeric(28, 2)) as current_arr,
        case when current_mrr.currency_count = 1 then current_mrr.currency end as mrr_currency,
        case subscription_states.status_rank
            when 1 then 'active'
            when 2 then 'past_due'
            when 3 then 'trialing'
            when 4 then 'unpaid'
            when 5 then 'paused'
            when 6 then 'incomplete'
            when 7 then 'canceled'
            when 8 then 'incomplete_expired'
            when 9 then 'other'
            else 'none'
        end as subscription_status,
        cast(
            coalesce(subscription_states.active_subscription_count, 0) as {{ dbt.type_int() }}
        ) as active_subscription_count,
        cast(coalesce(failed_90d.failed_payment_count_90d, 0) as {{ dbt.type_int() }}) as failed_payment_count_90d,
        cast(
            coalesce(failed_90d.unrecovered_failed_payment_count_90d, 0) as {{ dbt.type_int() }}
        ) as unrecovered_failed_payment_count_90d,
        failed_90d.last_failed_payment_at,
        cast(coalesce(support.ticket_count, 0) as {{ dbt.type_int() }}) as ticket_count,
        cast(coalesce(support.ticket_count_90d, 0) as {{ dbt.type_int() }}) as ticket_count_90d,
        cast(coalesce(support.open_ticket_count, 0) as {{ dbt.type_int() }}) as open_ticket_count,
        cast(coalesce(support.open_escalation_count, 0) as {{ dbt.type_int() }}) as open_escalation_count,
        cast(coalesce(support.rating_count, 0) as {{ dbt.type_int() }}) as satisfaction_rating_count,
        cast(
            case
                when support.rating_count > 0
                    then cast(support.good_rating_count as {{ dbt.type_float() }}) / support.rating_count
            end
            as numeric(9, 4)
        ) as satisfaction_good_share,
        coalesce(activity_bounds.first_activity_at, customers.first_seen_at) as first_activity_at,
        activity_bounds.last_activity_at,
        customers.first_seen_at,
        source_ids.salesforce_account_ids,
        source_ids.stripe_customer_ids,
        source_ids.zendesk_organization_ids,
        cast(customers.source_record_count as {{ dbt.type_int() }}) as source_record_count,
        source_ids._source_run_ids,
        source_ids._last_loaded_at,
        {{ as_of_timestamp() }} as as_of
    from customers
    left join accounts as primary_account
        on customers.primary_salesforce_account_id = primary_account.account_id
    left join sf_users as account_owner
        on primary_account.owner_user_id = account_owner.user_id
    left join pipeline on customers.customer_id = pipeline.customer_id
    left join current_mrr on customers.customer_id = current_mrr.customer_id
    left join subscription_states on customers.customer_id = subscription_states.customer_id
    left join failed_90d on customers.customer_id = failed_90d.customer_id
    left join support on customers.customer_id = support.customer_id
    left join activity_bounds on customers.customer_id = activity_bounds.customer_id
    left join source_ids on customers.customer_id = source_ids.customer_id
)

select * from final
