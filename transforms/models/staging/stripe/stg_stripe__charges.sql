{{
    config(
        materialized='incremental',
        unique_key='charge_id',
        incremental_strategy=acme_incremental_strategy(),
        tmp_relation_type=acme_incremental_tmp_relation_type(),
        on_schema_change='append_new_columns'
    )
}}

-- deletes: Stripe tombstones (`deleted: true`), or absent from a complete full snapshot covering the
-- key: the daily reconciliation reads `created` partitions (scoped snapshots, see the macro)
with latest as (
    {{ latest_version_with_deletes(
        'stripe', 'charges',
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
        coalesce({{ json_get('latest._record', 'id') }}, latest._record_key) as charge_id,
        {{ json_get('latest._record', 'customer') }} as customer_id,
        {{ json_get('latest._record', 'payment_intent') }} as payment_intent_id,
        {{ json_get('latest._record', 'payment_method') }} as payment_method_id,
        {{ json_get('latest._record', 'payment_method_details.type') }} as payment_method_type,
        {{ json_get('latest._record', 'status') }} as status,
        lower({{ json_get('latest._record', 'currency') }}) as currency,
        {{ json_get('latest._record', 'amount', 'integer') }} as amount,
        {{ json_get('latest._record', 'amount_captured', 'integer') }} as amount_captured,
        {{ json_get('latest._record', 'amount_refunded', 'integer') }} as amount_refunded,
        {{ json_get('latest._record', 'paid', 'boolean') }} as is_paid,
        {{ json_get('latest._record', 'captured', 'boolean') }} as is_captured,
        {{ json_get('latest._record', 'refunded', 'boolean') }} as is_refunded,
        {{ json_get('latest._record', 'disputed', 'boolean') }} as is_disputed,
        {{ json_get('latest._record', 'failure_code') }} as failure_code,
        {{ json_get('latest._record', 'failure_message') }} as failure_message,
        {{ json_get('latest._record', 'outcome.type') }} as outcome_type,
        {{ json_get('latest._record', 'outcome.reason') }} as outcome_reason,
        {{ json_get('latest._record', 'outcome.network_status') }} as outcome_network_status,
        {{ json_get('latest._record', 'description') }} as description,
        {{ json_get('latest._record', 'livemode', 'boolean') }} as is_livemode,
        {{ json_get('latest._record', 'metadata', 'json') }} as metadata,
        {{ json_get_timestamp('latest._record', 'created') }} as created_at,
        {{ bronze_lineage_columns('latest') }}
    from latest
)

select * from renamed
