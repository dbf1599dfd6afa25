-- deletes: Stripe tombstones (`deleted: true`), or absent from a complete full snapshot covering the
-- key: the daily reconciliation reads `created` partitions (scoped snapshots, see the macro)
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'refunds',
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
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as refund_id,
        {{ json_get('latest._record', 'charge') }} as charge_id,
        {{ json_get('latest._record', 'payment_intent') }} as payment_intent_id,
        {{ json_get('latest._record', 'status') }} as status,
        {{ json_get('latest._record', 'reason') }} as reason,
        lower({{ json_get('latest._record', 'currency') }}) as currency,
        {{ json_get('latest._record', 'amount', 'integer') }} as amount,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
