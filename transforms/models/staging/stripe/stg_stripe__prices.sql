-- deletes: Stripe tombstones (`deleted: true`), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'prices',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean')
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as price_id,
        {{ json_get('latest._record', 'product') }} as product_id,
        lower({{ json_get('latest._record', 'currency') }}) as currency,
        {{ json_get('latest._record', 'unit_amount', 'integer') }} as unit_amount,
        {{ json_get('latest._record', 'type') }} as price_type,
        {{ json_get('latest._record', 'billing_scheme') }} as billing_scheme,
        {{ json_get('latest._record', 'recurring.interval') }} as recurring_interval,
        {{ json_get('latest._record', 'recurring.interval_count', 'integer') }} as recurring_interval_count,
        {{ json_get('latest._record', 'recurring.usage_type') }} as recurring_usage_type,
        {{ json_get('latest._record', 'nickname') }} as nickname,
        {{ json_get('latest._record', 'lookup_key') }} as lookup_key,
        {{ json_get('latest._record', 'active', 'boolean') }} as is_active,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
