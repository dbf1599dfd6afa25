{#-
    Every failed payment attempt (contracts.md §3): a Stripe charge with status 'failed'.

    Attempts of one invoice share one payment intent; `attempt_number` is the charge's rank by
    `created` (ties: charge id) among all charges of its payment intent. An attempt is recovered when a
    later charge of the same payment intent succeeded; `recovered_at` / `recovered_by_charge_id` are
    the first such charge. Charges created after `as_of` (var, default now) are not seen.
-#}
with charges as (
    select *
    from {{ ref('stg_stripe__charges') }}
    where
        not is_deleted
        and created_at <= {{ as_of_timestamp() }}
),

ranked as (
    select
        charges.*,
        row_number() over (
            partition by coalesce(charges.payment_intent_id, charges.charge_id)
            order by charges.created_at, charges.charge_id
        ) as attempt_number
    from charges
),

failed as (
    select * from ranked
    where status = 'failed'
),

succeeded as (
    select * from ranked
    where status = 'succeeded'
),

-- the canonical customer of each Stripe customer (identity resolution)
customer_map as (
    select * from {{ ref('int_customer__source_records') }}
    where source_system = 'stripe' and source_entity = 'customer'
),

recoveries as (
    select
        failed.charge_id,
        succeeded.charge_id as recovered_by_charge_id,
        succeeded.created_at as recovered_at,
        row_number() over (
            partition by failed.charge_id
            order by succeeded.attempt_number
        ) as recovery_rank
    from failed
    inner join succeeded
        on
            failed.payment_intent_id = succeeded.payment_intent_id
            and failed.attempt_number < succeeded.attempt_number
),

final as (
    select
        failed.charge_id,
        failed.customer_id as stripe_customer_id,
        customer_map.customer_id,
        failed.payment_intent_id,
        {{ round_minor_to_major('failed.amount') }} as amount,
        failed.currency,
        failed.created_at as failed_at,
        cast(failed.attempt_number as {{ dbt.type_int() }}) as attempt_number,
        failed.failure_code,
        failed.failure_message,
        coalesce(recoveries.recovered_by_charge_id is not null, false) as is_recovered,
        recoveries.recovered_at,
        recoveries.recovered_by_charge_id,
        failed._run_id,
        failed._loaded_at
    from failed
    left join recoveries
        on
            failed.charge_id = recoveries.charge_id
            and recoveries.recovery_rank = 1
    left join customer_map
        on failed.customer_id = customer_map.source_id
)

select * from final
