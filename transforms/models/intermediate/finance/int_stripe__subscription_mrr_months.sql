{#-
    One row per (subscription, month) in which the subscription counts at the month's evaluation
    instant t: start_date <= t and (ended_at is null or ended_at > t). Its MRR is that of the billing
    period in force at t (the latest billing period starting at or before t), 0 when there is none.
-#}
with subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
),

months as (
    select * from {{ ref('int_stripe__month_spine') }}
),

billing_periods as (
    select * from {{ ref('int_stripe__subscription_billing_periods') }}
),

active_months as (
    select
        subscriptions.subscription_id,
        subscriptions.customer_id,
        subscriptions.currency,
        months.month_start_at,
        months.evaluated_at
    from subscriptions
    inner join months
        on
            subscriptions.started_at <= months.evaluated_at
            and (subscriptions.ended_at is null or subscriptions.ended_at > months.evaluated_at)
),

final as (
    select
        active_months.subscription_id,
        active_months.customer_id,
        coalesce(billing_periods.currency, active_months.currency) as currency,
        active_months.month_start_at,
        active_months.evaluated_at,
        billing_periods.invoice_id as billing_invoice_id,
        billing_periods.period_started_at as billing_period_started_at,
        coalesce(billing_periods.monthly_amount_minor, 0) as monthly_amount_minor,
        coalesce(billing_periods.mrr, 0) as mrr
    from active_months
    left join billing_periods
        on
            active_months.subscription_id = billing_periods.subscription_id
            and active_months.evaluated_at >= billing_periods.period_started_at
            and (
                billing_periods.next_period_started_at is null
                or active_months.evaluated_at < billing_periods.next_period_started_at
            )
)

select * from final
