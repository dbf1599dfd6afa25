-- deletes: Stripe tombstones (`deleted: true`), or absent from a complete full snapshot covering the
-- key: the daily reconciliation reads `created` partitions (scoped snapshots, see the macro)
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'invoices',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean'),
        snapshot_scope={
            'property': 'created',
            'bronze': json_get_timestamp('bronze._record', 'created'),
            'model': 'live_model.created_at'
        }
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as invoice_id,
        {{ json_get('latest._record', 'customer') }} as customer_id,
        -- "basil" API: parent.subscription_details.subscription; older API versions: subscription.
        coalesce(
            {{ json_get('latest._record', 'parent.subscription_details.subscription') }},
            {{ json_get('latest._record', 'subscription') }}
        ) as subscription_id,
        {{ json_get('latest._record', 'parent.type') }} as parent_type,
        {{ json_get('latest._record', 'number') }} as invoice_number,
        {{ json_get('latest._record', 'status') }} as status,
        {{ json_get('latest._record', 'billing_reason') }} as billing_reason,
        {{ json_get('latest._record', 'collection_method') }} as collection_method,
        lower({{ json_get('latest._record', 'currency') }}) as currency,
        {{ json_get('latest._record', 'subtotal', 'integer') }} as subtotal,
        {{ json_get('latest._record', 'total', 'integer') }} as total,
        {{ json_get('latest._record', 'amount_due', 'integer') }} as amount_due,
        {{ json_get('latest._record', 'amount_paid', 'integer') }} as amount_paid,
        {{ json_get('latest._record', 'amount_remaining', 'integer') }} as amount_remaining,
        {{ json_get('latest._record', 'attempt_count', 'integer') }} as attempt_count,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ json_get_timestamp('latest._record', 'period_start') }} as period_started_at,
        {{ json_get_timestamp('latest._record', 'period_end') }} as period_ended_at,
        {{ json_get_timestamp('latest._record', 'due_date') }} as due_at,
        {{ json_get_timestamp('latest._record', 'status_transitions.finalized_at') }} as finalized_at,
        {{ json_get_timestamp('latest._record', 'status_transitions.paid_at') }} as paid_at,
        {{ json_get_timestamp('latest._record', 'status_transitions.voided_at') }} as voided_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
