-- deletes: Stripe tombstones (`deleted: true`), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'subscriptions',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean')
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as subscription_id,
        {{ json_get('latest._record', 'customer') }} as customer_id,
        {{ json_get('latest._record', 'status') }} as status,
        lower({{ json_get('latest._record', 'currency') }}) as currency,
        {{ json_get('latest._record', 'collection_method') }} as collection_method,
        {{ json_get('latest._record', 'cancel_at_period_end', 'boolean') }} as is_cancel_at_period_end,
        {{ json_get('latest._record', 'cancellation_details.reason') }} as cancellation_reason,
        {{ json_get('latest._record', 'latest_invoice') }} as latest_invoice_id,
        {{ json_get('latest._record', 'schedule') }} as subscription_schedule_id,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ json_get_timestamp('latest._record', 'start_date') }} as started_at,
        {{ json_get_timestamp('latest._record', 'ended_at') }} as ended_at,
        {{ json_get_timestamp('latest._record', 'canceled_at') }} as canceled_at,
        {{ json_get_timestamp('latest._record', 'cancel_at') }} as cancel_at,
        {{ json_get_timestamp('latest._record', 'billing_cycle_anchor') }} as billing_cycle_anchor_at,
        {{ json_get_timestamp('latest._record', 'trial_start') }} as trial_started_at,
        {{ json_get_timestamp('latest._record', 'trial_end') }} as trial_ended_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
