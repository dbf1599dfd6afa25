-- deletes: Stripe tombstones (`deleted: true`), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'subscription_items',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean')
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as subscription_item_id,
        {{ json_get('latest._record', 'subscription') }} as subscription_id,
        {{ json_get('latest._record', 'price.id') }} as price_id,
        {{ json_get('latest._record', 'price.product') }} as product_id,
        lower({{ json_get('latest._record', 'price.currency') }}) as currency,
        {{ json_get('latest._record', 'price.unit_amount', 'integer') }} as unit_amount,
        {{ json_get('latest._record', 'price.recurring.interval') }} as recurring_interval,
        {{ json_get('latest._record', 'price.recurring.interval_count', 'integer') }} as recurring_interval_count,
        {{ json_get('latest._record', 'quantity', 'integer') }} as quantity,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ json_get_timestamp('latest._record', 'current_period_start') }} as current_period_started_at,
        {{ json_get_timestamp('latest._record', 'current_period_end') }} as current_period_ends_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
