{#-
    One row per Zendesk ticket (deleted ones flagged: `is_deleted`; marts filter them, change detection
    needs them) with the canonical customer it belongs to and the
    flags the support marts need. The customer comes from the ticket's organization when the identity
    crosswalk maps it (deleted duplicate organizations included: their tickets keep the old id), else
    from the requester (end user). Escalated = the `escalated` tag; open = new, open, pending or hold.
-#}
with tickets as (
    select * from {{ ref('stg_zendesk__tickets') }}
),

source_records as (
    select * from {{ ref('int_customer__source_records') }}
    where source_system = 'zendesk'
),

final as (
    select
        tickets.ticket_id,
        coalesce(organization_map.customer_id, requester_map.customer_id) as customer_id,
        case
            when organization_map.customer_id is not null then 'organization'
            when requester_map.customer_id is not null then 'requester'
        end as customer_match_source,
        tickets.organization_id,
        tickets.requester_id,
        tickets.assignee_id,
        tickets.group_id,
        tickets.subject,
        tickets.status,
        coalesce(tickets.priority, 'normal') as priority,
        tickets.channel,
        tickets.status in ('new', 'open', 'pending', 'hold') as is_open,
        {{ json_array_contains_string('tickets.tags', 'escalated') }} as is_escalated,
        coalesce(tickets.priority = 'urgent', false) as is_urgent,
        tickets.satisfaction_score,
        tickets.created_at,
        tickets.updated_at,
        tickets.is_deleted,
        tickets._record_key,
        tickets._run_id,
        tickets._extracted_at,
        tickets._loaded_at
    from tickets
    left join source_records as organization_map
        on
            organization_map.source_entity = 'organization'
            and organization_map.source_id = cast(tickets.organization_id as {{ dbt.type_string() }})
    left join source_records as requester_map
        on
            requester_map.source_entity = 'user'
            and requester_map.source_id = cast(tickets.requester_id as {{ dbt.type_string() }})
)

select * from final
