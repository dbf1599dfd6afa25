-- deletes: Stripe tombstones (`deleted: true`), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'products',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean')
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as product_id,
        {{ json_get('latest._record', 'name') }} as product_name,
        {{ json_get('latest._record', 'description') }} as description,
        {{ json_get('latest._record', 'type') }} as product_type,
        {{ json_get('latest._record', 'default_price') }} as default_price_id,
        {{ json_get('latest._record', 'unit_label') }} as unit_label,
        {{ json_get('latest._record', 'active', 'boolean') }} as is_active,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ json_get_timestamp('latest._record', 'updated') }} as updated_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
