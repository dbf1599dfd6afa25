{#-
    Every open Zendesk ticket (new, open, pending, hold) that is escalated (tag `escalated`) or urgent,
    as of var `as_of`: its customer, age, priority, SLA state against the per-priority target
    (var support_sla_target_hours; breached when older than the target, at_risk when older than 75 %
    of it) and the customer's current MRR at stake (customer_360).
-#}
{%- set sla_default = {'urgent': 4, 'high': 24, 'normal': 72, 'low': 168} -%}
{%- set sla_configured = var('support_sla_target_hours', sla_default) -%}
{%- set sla_hours = sla_configured if sla_configured is mapping else sla_default -%}
with tickets as (
    select * from {{ ref('int_support__tickets') }}
    where
        not is_deleted
        and is_open
        and (is_escalated or is_urgent)
        and created_at <= {{ as_of_timestamp() }}
),

customers as (
    select * from {{ ref('customer_360') }}
),

aged as (
    select
        tickets.*,
        cast({{ dbt.datediff('tickets.created_at', as_of_timestamp(), 'second') }} as {{ dbt.type_float() }})
        / 3600.0 as age_hours,
        case tickets.priority
            {%- for priority, hours in sla_hours.items() %}
                when '{{ priority }}' then {{ hours | float }}
            {%- endfor %}
            else {{ sla_hours.get('normal', 72) | float }}
        end as sla_target_hours
    from tickets
),

final as (
    select
        aged.ticket_id,
        aged.customer_id,
        customers.customer_name,
        aged.customer_match_source,
        aged.organization_id,
        aged.requester_id,
        aged.assignee_id,
        aged.group_id,
        aged.subject,
        aged.status,
        aged.priority,
        aged.is_escalated,
        aged.is_urgent,
        aged.created_at,
        aged.updated_at,
        cast(aged.age_hours as numeric(18, 2)) as age_hours,
        cast(aged.age_hours / 24.0 as numeric(18, 2)) as age_days,
        cast(aged.sla_target_hours as numeric(18, 2)) as sla_target_hours,
        {{ dbt.dateadd(
            'second', 'cast(aged.sla_target_hours * 3600 as ' ~ dbt.type_bigint() ~ ')', 'aged.created_at'
        ) }} as sla_due_at,
        case
            when aged.age_hours > aged.sla_target_hours then 'breached'
            when aged.age_hours > 0.75 * aged.sla_target_hours then 'at_risk'
            else 'within_sla'
        end as sla_state,
        customers.current_mrr as customer_mrr_at_stake,
        customers.mrr_currency,
        customers.subscription_status as customer_subscription_status,
        aged._record_key,
        aged._run_id,
        aged._extracted_at,
        aged._loaded_at,
        {{ as_of_timestamp() }} as as_of
    from aged
    left join customers
        on aged.customer_id = customers.customer_id
)

select * from final
