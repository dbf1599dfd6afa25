{#-
    One row per customer per day over the last var churn_risk_window_days days up to the day of
    `as_of`, with point-in-time churn signals measured at t = min(end of that day, as_of): MRR (per
    contracts.md §2 at t, rounded per Stripe customer) and its 30-day trend, failed payments, ticket
    volume and escalations, satisfaction, days to the next renewal, open opportunities.

    Incremental (large: customers x days). A run recomputes (delete+insert on customer_day_key)
    (a) the last var churn_risk_lookback_days days before the newest day it holds, and every newer
    day, for every customer, and (b) every day of the window for each customer with an input loaded
    into bronze since the model's watermark (max _inputs_loaded_at minus var staging_lookback_hours).
    Days older than the window, and customers identity resolution no longer has (merged or re-keyed),
    are deleted after each run. Tested equal to a full rebuild.
-#}
{{
    config(
        materialized='incremental',
        unique_key='customer_day_key',
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type(),
        on_schema_change='append_new_columns',
        post_hook="delete from {{ this }} where as_of_date < "
            ~ "cast(" ~ dbt.dateadd('day', 1 - (var('churn_risk_window_days', 90) | int), 'cast(' ~ as_of_timestamp() ~ ' as date)') ~ " as date)"
            ~ " or customer_id not in (select retired.customer_id from {{ ref('int_identity__customers') }} as retired)"
    )
}}
{%- set window_days = var('churn_risk_window_days', 90) | int -%}
{%- set lookback_days = var('churn_risk_lookback_days', 7) | int -%}
{%- set as_of_day = 'cast(' ~ as_of_timestamp() ~ ' as date)' -%}
{%- set window_start = 'cast(' ~ dbt.dateadd('day', 1 - window_days, as_of_day) ~ ' as date)' -%}
{%- set day_end = dbt.dateadd('second', -1, dbt.dateadd('day', 1, 'cast(days.day_on as ' ~ timestamp_type() ~ ')')) %}
with customers as (
    select customer_id from {{ ref('int_identity__customers') }}
),

source_records as (
    select * from {{ ref('int_customer__source_records') }}
),

stripe_map as (
    select
        customer_id,
        source_id as stripe_customer_id
    from source_records
    where source_system = 'stripe' and source_entity = 'customer'
),

account_map as (
    select
        customer_id,
        source_id as account_id
    from source_records
    where source_system = 'salesforce' and source_entity = 'account'
),

subscriptions as (
    select * from {{ ref('stg_stripe__subscriptions') }}
),

billing_periods as (
    select * from {{ ref('int_stripe__subscription_billing_periods') }}
),

invoices as (
    select * from {{ ref('stg_stripe__invoices') }}
),

charges as (
    select * from {{ ref('stg_stripe__charges') }}
),

failed_payments as (
    select * from {{ ref('fct_failed_payments') }}
    where customer_id is not null
),

tickets as (
    select * from {{ ref('int_support__tickets') }}
    where customer_id is not null
),

opportunities as (
    select
        account_map.customer_id,
        opportunities.*
    from {{ ref('stg_salesforce__opportunities') }} as opportunities
    inner join account_map
        on opportunities.account_id = account_map.account_id
),

-- every input record of a customer with its bronze load time: the change detector and the lineage
inputs as (
    select
        stripe_map.customer_id,
        subscriptions._run_id,
        subscriptions._loaded_at
    from subscriptions
    inner join stripe_map on subscriptions.customer_id = stripe_map.stripe_customer_id
    union all
    select
        stripe_map.customer_id,
        invoices._run_id,
        invoices._loaded_at
    from invoices
    inner join stripe_map on invoices.customer_id = stripe_map.stripe_customer_id
    union all
    select
        stripe_map.customer_id,
        charges._run_id,
        charges._loaded_at
    from charges
    inner join stripe_map on charges.customer_id = stripe_map.stripe_customer_id
    union all
    select
        customer_id,
        _run_id,
        _loaded_at
    from tickets
    union all
    select
        customer_id,
        _run_id,
        _loaded_at
    from opportunities
),

customer_inputs as (
    select
        customer_id,
        _loaded_at as inputs_loaded_at,
        _run_id as last_input_run_id
    from (
        select
            inputs.*,
            row_number() over (
                partition by inputs.customer_id
                order by inputs._loaded_at desc, inputs._run_id desc
            ) as recency
        from inputs
    ) as ranked_inputs
    where recency = 1
),

-- what the model holds per customer: a customer it does not hold yet, or whose newest input is not
-- the one it was computed from (new loads, or records re-assigned by identity resolution), is
-- recomputed over the whole window
held as (
    {%- if is_incremental() %}
        select
            this_model.customer_id,
            max(this_model._inputs_loaded_at) as held_inputs_loaded_at
        from {{ this }} as this_model
        group by this_model.customer_id
    {%- else %}
        select
            cast(null as {{ dbt.type_string() }}) as customer_id,
            cast(null as {{ timestamp_type() }}) as held_inputs_loaded_at
        where 1 = 0
    {%- endif %}
),

customer_scope as (
    select
        customers.customer_id,
        customer_inputs.inputs_loaded_at,
        customer_inputs.last_input_run_id,
        {%- if is_incremental() %}
            coalesce(
                customer_inputs.inputs_loaded_at >= (
                    select
                    {{ dbt.dateadd(
                        'hour',
                        -1 * (var('staging_lookback_hours', 6) | int),
                        'max(held_watermark.held_inputs_loaded_at)'
                    ) }}
                    from held as held_watermark
                ),
                false
            )
            or held.customer_id is null
            or coalesce(customer_inputs.inputs_loaded_at <> held.held_inputs_loaded_at, false)
            or (customer_inputs.inputs_loaded_at is null) <> (held.held_inputs_loaded_at is null)
                as is_recomputed_in_full
        {%- else %}
            true as is_recomputed_in_full
        {%- endif %}
    from customers
    left join customer_inputs
        on customers.customer_id = customer_inputs.customer_id
    left join held  -- noqa: ST11
        on customers.customer_id = held.customer_id
),

days as (
    {{ day_spine(dbt.dateadd('day', -30, window_start), as_of_day) }}
),

-- first day every customer is recomputed for (earlier days: only customers with changed inputs)
recompute_bounds as (
    select
        {%- if is_incremental() %}
            coalesce(
                (
                    select {{ dbt.dateadd('day', -1 * lookback_days, 'max(this_model.as_of_date)') }}
                    from {{ this }} as this_model
                ),
                {{ window_start }}
            ) as recompute_from
        {%- else %}
            {{ window_start }} as recompute_from
        {%- endif %}
),

customer_days as (
    select
        customer_scope.customer_id,
        customer_scope.is_recomputed_in_full,
        customer_scope.inputs_loaded_at,
        customer_scope.last_input_run_id,
        days.day_on,
        case
            when
                {{ day_end }} < {{ as_of_timestamp() }}
                then {{ day_end }}
            else {{ as_of_timestamp() }}
        end as evaluated_at,
        days.day_on >= {{ window_start }}
        and (customer_scope.is_recomputed_in_full or days.day_on >= recompute_bounds.recompute_from) as is_output
    from customer_scope
    cross join days
    cross join recompute_bounds
    where
        customer_scope.is_recomputed_in_full
        or days.day_on >= cast({{ dbt.dateadd('day', -30, 'recompute_bounds.recompute_from') }} as date)
),

-- MRR at t per Stripe customer (billing period in force, contracts.md §2), rounded per Stripe customer
stripe_customer_mrr as (
    select
        customer_days.customer_id,
        customer_days.day_on,
        stripe_map.stripe_customer_id,
        {{ round_minor_to_major('sum(coalesce(billing_periods.monthly_amount_minor, 0))') }} as mrr
    from customer_days
    inner join stripe_map
        on customer_days.customer_id = stripe_map.customer_id
    inner join subscriptions
        on
            stripe_map.stripe_customer_id = subscriptions.customer_id
            and customer_days.evaluated_at >= subscriptions.started_at
            and (subscriptions.ended_at is null or customer_days.evaluated_at < subscriptions.ended_at)
    left join billing_periods
        on
            subscriptions.subscription_id = billing_periods.subscription_id
            and customer_days.evaluated_at >= billing_periods.period_started_at
            and (
                billing_periods.next_period_started_at is null
                or customer_days.evaluated_at < billing_periods.next_period_started_at
            )
    group by customer_days.customer_id, customer_days.day_on, stripe_map.stripe_customer_id
),

daily_mrr as (
    select
        customer_days.customer_id,
        customer_days.day_on,
        coalesce(sum(stripe_customer_mrr.mrr), 0) as mrr
    from customer_days
    left join stripe_customer_mrr
        on
            customer_days.customer_id = stripe_customer_mrr.customer_id
            and customer_days.day_on = stripe_customer_mrr.day_on
    group by customer_days.customer_id, customer_days.day_on
),

output_days as (
    select * from customer_days
    where is_output
),

payments as (
    select
        output_days.customer_id,
        output_days.day_on,
        count(failed_payments.charge_id) as failed_payments_30d,
        sum(
            case
                when failed_payments.charge_id is null then 0
                when failed_payments.is_recovered and failed_payments.recovered_at <= output_days.evaluated_at then 0
                else 1
            end
        ) as unrecovered_failed_payments_30d
    from output_days
    left join failed_payments
        on
            output_days.customer_id = failed_payments.customer_id
            and output_days.evaluated_at >= failed_payments.failed_at
            and failed_payments.failed_at > {{ dbt.dateadd('day', -30, 'output_days.evaluated_at') }}
    group by output_days.customer_id, output_days.day_on
),

support as (
    select
        output_days.customer_id,
        output_days.day_on,
        sum(
            case when tickets.created_at > {{ dbt.dateadd('day', -30, 'output_days.evaluated_at') }} then 1 else 0 end
        ) as tickets_created_30d,
        sum(
            case
                when tickets.created_at <= {{ dbt.dateadd('day', -30, 'output_days.evaluated_at') }}
                    and tickets.created_at > {{ dbt.dateadd('day', -60, 'output_days.evaluated_at') }}
                    then 1
                else 0
            end
        ) as tickets_created_prior_30d,
        sum(
            case
                when
                    tickets.created_at > {{ dbt.dateadd('day', -30, 'output_days.evaluated_at') }}
                    and (tickets.is_escalated or tickets.is_urgent)
                    then 1
                else 0
            end
        ) as escalations_created_30d,
        sum(case when tickets.satisfaction_score = 'good' then 1 else 0 end) as good_ratings_90d,
        sum(case when tickets.satisfaction_score in ('good', 'bad') then 1 else 0 end) as ratings_90d
    from output_days
    inner join tickets
        on
            output_days.customer_id = tickets.customer_id
            and not tickets.is_deleted
            and output_days.evaluated_at >= tickets.created_at
            and tickets.created_at > {{ dbt.dateadd('day', -90, 'output_days.evaluated_at') }}
    group by output_days.customer_id, output_days.day_on
),

pipeline as (
    select
        output_days.customer_id,
        output_days.day_on,
        sum(
            case when not coalesce(opportunities.is_closed, false) or opportunities.close_date > output_days.day_on
                    then 1
                else 0
            end
        ) as open_opportunities,
        min(
            case
                when opportunities.opportunity_type = 'Renewal' and opportunities.close_date >= output_days.day_on
                    then opportunities.close_date
            end
        ) as next_renewal_date
    from output_days
    inner join opportunities
        on
            output_days.customer_id = opportunities.customer_id
            and not opportunities.is_deleted
            and output_days.evaluated_at >= opportunities.created_at
    group by output_days.customer_id, output_days.day_on
),

final as (
    select
        output_days.customer_id
        || '|' || cast(output_days.day_on as {{ dbt.type_string() }}) as customer_day_key,
        output_days.customer_id,
        output_days.day_on as as_of_date,
        output_days.evaluated_at,
        cast(current_mrr.mrr as numeric(28, 2)) as mrr,
        cast(coalesce(mrr_30d_ago.mrr, 0) as numeric(28, 2)) as mrr_30d_ago,
        cast(current_mrr.mrr - coalesce(mrr_30d_ago.mrr, 0) as numeric(28, 2)) as mrr_change_30d,
        cast(
            case when current_mrr.mrr < coalesce(mrr_30d_ago.mrr, 0) then coalesce(mrr_30d_ago.mrr, 0) - current_mrr.mrr
                else 0
            end
            as numeric(28, 2)
        ) as mrr_contraction_30d,
        coalesce(current_mrr.mrr < mrr_30d_ago.mrr, false) as is_mrr_contracting,
        coalesce(current_mrr.mrr = 0 and mrr_30d_ago.mrr > 0, false) as is_mrr_churned_30d,
        cast(coalesce(payments.failed_payments_30d, 0) as {{ dbt.type_int() }}) as failed_payments_30d,
        cast(
            coalesce(payments.unrecovered_failed_payments_30d, 0) as {{ dbt.type_int() }}
        ) as unrecovered_failed_payments_30d,
        cast(coalesce(support.tickets_created_30d, 0) as {{ dbt.type_int() }}) as tickets_created_30d,
        cast(coalesce(support.tickets_created_prior_30d, 0) as {{ dbt.type_int() }}) as tickets_created_prior_30d,
        cast(
            coalesce(support.tickets_created_30d, 0) - coalesce(support.tickets_created_prior_30d, 0)
            as {{ dbt.type_int() }}
        ) as ticket_volume_change_30d,
        cast(coalesce(support.escalations_created_30d, 0) as {{ dbt.type_int() }}) as escalations_created_30d,
        cast(coalesce(support.ratings_90d, 0) as {{ dbt.type_int() }}) as satisfaction_ratings_90d,
        cast(
            case
                when support.ratings_90d > 0
                    then cast(support.good_ratings_90d as {{ dbt.type_float() }}) / support.ratings_90d
            end
            as numeric(9, 4)
        ) as satisfaction_good_share_90d,
        cast(
            {{ dbt.datediff('output_days.day_on', 'pipeline.next_renewal_date', 'day') }} as {{ dbt.type_int() }}
        ) as days_to_renewal,
        cast(coalesce(pipeline.open_opportunities, 0) as {{ dbt.type_int() }}) as open_opportunities,
        output_days.inputs_loaded_at as _inputs_loaded_at,
        output_days.last_input_run_id as _last_input_run_id
    from output_days
    inner join daily_mrr as current_mrr
        on output_days.customer_id = current_mrr.customer_id and output_days.day_on = current_mrr.day_on
    left join daily_mrr as mrr_30d_ago
        on
            output_days.customer_id = mrr_30d_ago.customer_id
            and mrr_30d_ago.day_on = cast({{ dbt.dateadd('day', -30, 'output_days.day_on') }} as date)
    left join payments
        on output_days.customer_id = payments.customer_id and output_days.day_on = payments.day_on
    left join support
        on output_days.customer_id = support.customer_id and output_days.day_on = support.day_on
    left join pipeline
        on output_days.customer_id = pipeline.customer_id and output_days.day_on = pipeline.day_on
)

select * from final
