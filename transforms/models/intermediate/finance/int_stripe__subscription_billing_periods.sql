{#-
    One row per (subscription, billing invoice): the recurring charge a subscription bills for one
    billing period, normalised to a month (contracts.md §2).

    A billing invoice is a non-void, non-draft invoice that carries non-proration subscription lines;
    its billing period starts at the earliest `period.start` of those lines. Proration lines never
    count, so a plan change shows from the next billing period. `next_period_started_at` is the start
    of the subscription's next billing period, so [period_started_at, next_period_started_at) is when
    this period is "in force".
-#}
with line_items as (
    select * from {{ ref('stg_stripe__invoice_line_items') }}
),

invoices as (
    select * from {{ ref('stg_stripe__invoices') }}
),

prices as (
    select * from {{ ref('stg_stripe__prices') }}
),

subscription_items as (
    select * from {{ ref('stg_stripe__subscription_items') }}
),

recurring_lines as (
    select
        line_items.invoice_line_item_id,
        line_items.invoice_id,
        coalesce(line_items.subscription_id, invoices.subscription_id) as subscription_id,
        invoices.customer_id,
        coalesce(invoices.currency, line_items.currency) as currency,
        invoices.status as invoice_status,
        invoices.created_at as invoice_created_at,
        line_items.period_started_at,
        line_items.period_ended_at,
        line_items.amount_after_discounts,
        cast(line_items.amount_after_discounts as {{ dbt.type_float() }}) as amount_float,
        coalesce(prices.recurring_interval, subscription_items.recurring_interval) as recurring_interval,
        coalesce(
            prices.recurring_interval_count, subscription_items.recurring_interval_count, 1
        ) as recurring_interval_count
    from line_items
    inner join invoices
        on line_items.invoice_id = invoices.invoice_id
    left join prices
        on line_items.price_id = prices.price_id
    left join subscription_items
        on line_items.subscription_item_id = subscription_items.subscription_item_id
    where
        not line_items.is_deleted
        and not invoices.is_deleted
        and invoices.status not in ('void', 'draft')
        and not line_items.is_proration
        and (
            line_items.parent_type = 'subscription_item_details'
            or (line_items.parent_type is null and line_items.legacy_line_type = 'subscription')
        )
),

normalised_lines as (
    select
        recurring_lines.*,
        -- minor units per month; the interval comes from the line's price (fallback: the item's)
        case recurring_lines.recurring_interval
            when 'month' then recurring_lines.amount_float / recurring_lines.recurring_interval_count
            when 'year' then recurring_lines.amount_float / (12 * recurring_lines.recurring_interval_count)
            when 'week' then recurring_lines.amount_float * 52 / 12 / recurring_lines.recurring_interval_count
            when 'day' then recurring_lines.amount_float * 365 / 12 / recurring_lines.recurring_interval_count
        end as monthly_amount_minor
    from recurring_lines
),

periods as (
    select
        subscription_id,
        invoice_id,
        max(customer_id) as customer_id,
        max(currency) as currency,
        max(invoice_status) as invoice_status,
        max(invoice_created_at) as invoice_created_at,
        min(period_started_at) as period_started_at,
        max(period_ended_at) as period_ended_at,
        count(*) as recurring_line_count,
        sum(amount_after_discounts) as billed_amount_minor,
        sum(monthly_amount_minor) as monthly_amount_minor
    from normalised_lines
    group by subscription_id, invoice_id
),

ranked as (
    select
        periods.*,
        -- two billing invoices with the same period start: the later-created one wins
        row_number() over (
            partition by periods.subscription_id, periods.period_started_at
            order by periods.invoice_created_at desc, periods.invoice_id desc
        ) as same_start_rank
    from periods
),

final as (
    select
        subscription_id,
        invoice_id,
        customer_id,
        currency,
        invoice_status,
        invoice_created_at,
        period_started_at,
        period_ended_at,
        lead(period_started_at) over (
            partition by subscription_id
            order by period_started_at
        ) as next_period_started_at,
        recurring_line_count,
        billed_amount_minor,
        monthly_amount_minor,
        {{ minor_to_major('monthly_amount_minor') }} as mrr
    from ranked
    where same_start_rank = 1
)

select * from final
