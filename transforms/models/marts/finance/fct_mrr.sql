{#-
    Monthly recurring revenue per Stripe customer and calendar month (contracts.md §2).

    Rows: every month from the customer's first month with MRR > 0 up to the month of `as_of`,
    zeros included. `customer_id` is the canonical customer of the Stripe customer (identity
    crosswalk; null for a Stripe customer it does not know, e.g. one deleted before our first
    extraction). MRR is in major units of the customer's (single) currency, rounded once per
    customer-month half up to 0.01; movements compare the rounded values.
-#}
with subscription_months as (
    select * from {{ ref('int_stripe__subscription_mrr_months') }}
),

months as (
    select * from {{ ref('int_stripe__month_spine') }}
),

customers as (
    select * from {{ ref('stg_stripe__customers') }}
),

invoices as (
    select * from {{ ref('stg_stripe__invoices') }}
),

-- the canonical customer of each Stripe customer (identity resolution)
customer_map as (
    select * from {{ ref('int_customer__source_records') }}
    where source_system = 'stripe' and source_entity = 'customer'
),

customer_months as (
    select
        subscription_months.customer_id,
        subscription_months.month_start_at,
        max(subscription_months.currency) as currency,
        -- rounded once per customer-month, half up, to 0.01 (as the ground truth does)
        {{ round_minor_to_major('sum(subscription_months.monthly_amount_minor)') }} as mrr,
        -- lineage: the billing invoices in force and the runs that extracted them
        {{ id_list_agg('subscription_months.billing_invoice_id') }} as billing_invoice_ids,
        {{ id_list_agg('invoices._run_id') }} as _run_ids
    from subscription_months
    left join invoices
        on subscription_months.billing_invoice_id = invoices.invoice_id
    group by subscription_months.customer_id, subscription_months.month_start_at
),

customer_first_months as (
    select
        customer_id,
        min(month_start_at) as first_mrr_month_at
    from customer_months
    where mrr > 0
    group by customer_id
),

customer_currencies as (
    select
        customer_id,
        max(currency) as currency
    from customer_months
    where mrr > 0
    group by customer_id
),

filled as (
    select
        customer_first_months.customer_id,
        months.month_start_at,
        months.evaluated_at,
        coalesce(customer_months.mrr, cast(0 as numeric(28, 2))) as mrr,
        customer_months.billing_invoice_ids,
        customer_months._run_ids
    from customer_first_months
    inner join months
        on customer_first_months.first_mrr_month_at <= months.month_start_at
    left join customer_months
        on
            customer_first_months.customer_id = customer_months.customer_id
            and months.month_start_at = customer_months.month_start_at
),

with_history as (
    select
        filled.*,
        coalesce(
            lag(filled.mrr) over (partition by filled.customer_id order by filled.month_start_at),
            0
        ) as previous_mrr,
        coalesce(
            max(filled.mrr) over (
                partition by filled.customer_id
                order by filled.month_start_at
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as max_previous_mrr
    from filled
),

final as (
    select
        with_history.customer_id as stripe_customer_id,
        customer_map.customer_id,
        cast(with_history.month_start_at as date) as month,
        coalesce(customer_currencies.currency, customers.currency) as currency,
        with_history.mrr,
        cast(with_history.previous_mrr as numeric(28, 2)) as previous_mrr,
        cast(with_history.mrr - with_history.previous_mrr as numeric(28, 2)) as mrr_change,
        case
            when with_history.previous_mrr = 0 and with_history.mrr > 0 and with_history.max_previous_mrr = 0
                then 'new'
            when with_history.previous_mrr = 0 and with_history.mrr > 0
                then 'reactivation'
            when with_history.previous_mrr > 0 and with_history.mrr = 0
                then 'churn'
            when with_history.mrr > with_history.previous_mrr
                then 'expansion'
            when with_history.mrr < with_history.previous_mrr
                then 'contraction'
            else 'unchanged'
        end as movement,
        with_history.evaluated_at,
        with_history.billing_invoice_ids,
        with_history._run_ids
    from with_history
    left join customer_currencies
        on with_history.customer_id = customer_currencies.customer_id
    left join customers
        on with_history.customer_id = customers.customer_id
    left join customer_map
        on with_history.customer_id = customer_map.source_id
)

select * from final
