-- deletes: Stripe tombstones (`deleted: true`), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'customers',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean')
    ) }}
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as customer_id,
        {{ json_get('latest._record', 'name') }} as customer_name,
        {{ json_get('latest._record', 'email') }} as email,
        {{ json_get('latest._record', 'description') }} as description,
        lower({{ json_get('latest._record', 'currency') }}) as currency,
        {{ json_get('latest._record', 'balance', 'integer') }} as balance,
        {{ json_get('latest._record', 'delinquent', 'boolean') }} as is_delinquent,
        {{ json_get('latest._record', 'address.country') }} as address_country,
        {{ json_get('latest._record', 'tax_exempt') }} as tax_exempt,
        {{ json_get('latest._record', 'invoice_prefix') }} as invoice_prefix,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
