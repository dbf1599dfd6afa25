-- deletes: Stripe tombstones (`deleted: true`), or absent from the latest complete full snapshot
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'invoice_line_items',
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean')
    ) }}
),

discounts as (
    -- discount_amounts: [{amount, discount}], one row per line item that has any.
    select
        latest._record_key,
        sum({{ json_get('discount_amount.value', 'amount', 'integer') }}) as discount_amount
    from latest
    {{ json_array_elements('latest._record', 'discount_amounts', 'discount_amount') }}
    group by latest._record_key
),

renamed as (
    select
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as invoice_line_item_id,
        {{ json_get('latest._record', 'invoice') }} as invoice_id,
        {{ json_get('latest._record', 'parent.type') }} as parent_type,
        -- pre-"basil" API versions: `type` is 'subscription' or 'invoiceitem'.
        {{ json_get('latest._record', 'type') }} as legacy_line_type,
        -- "basil" API: parent.{subscription_item_details|invoice_item_details}; older: top level.
        coalesce(
            {{ json_get('latest._record', 'parent.subscription_item_details.subscription') }},
            {{ json_get('latest._record', 'parent.invoice_item_details.subscription') }},
            {{ json_get('latest._record', 'subscription') }}
        ) as subscription_id,
        coalesce(
            {{ json_get('latest._record', 'parent.subscription_item_details.subscription_item') }},
            {{ json_get('latest._record', 'subscription_item') }}
        ) as subscription_item_id,
        {{ json_get('latest._record', 'parent.invoice_item_details.invoice_item') }} as invoice_item_id,
        coalesce(
            {{ json_get('latest._record', 'pricing.price_details.price') }},
            {{ json_get('latest._record', 'price.id') }}
        ) as price_id,
        coalesce(
            {{ json_get('latest._record', 'pricing.price_details.product') }},
            {{ json_get('latest._record', 'price.product') }}
        ) as product_id,
        coalesce(
            {{ json_get('latest._record', 'parent.subscription_item_details.proration', 'boolean') }},
            {{ json_get('latest._record', 'parent.invoice_item_details.proration', 'boolean') }},
            {{ json_get('latest._record', 'proration', 'boolean') }},
            false
        ) as is_proration,
        {{ json_get('latest._record', 'description') }} as description,
        lower({{ json_get('latest._record', 'currency') }}) as currency,
        {{ json_get('latest._record', 'quantity', 'integer') }} as quantity,
        {{ json_get('latest._record', 'amount', 'integer') }} as amount,
        coalesce(discounts.discount_amount, 0) as discount_amount,
        {{ json_get('latest._record', 'amount', 'integer') }}
        - coalesce(discounts.discount_amount, 0) as amount_after_discounts,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'period.start') }} as period_started_at,
        {{ json_get_timestamp('latest._record', 'period.end') }} as period_ended_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
    left join discounts
        on latest._record_key = discounts._record_key
)

select * from renamed
