with audit as (
    select * from {{ source('bronze', '_load_audit') }}
),

renamed as (
    select
        audit.run_id,
        audit.source,
        audit.stream,
        audit.sync_mode,
        audit.status,
        audit.table_version,
        audit.records,
        audit.files,
        audit.rows_loaded,
        audit.started_at,
        audit.finished_at,
        {{ dbt.datediff('audit.started_at', 'audit.finished_at', 'second') }} as duration_seconds,
        -- the rule latest_version_with_deletes uses to pick snapshots it may infer deletes from
        coalesce(audit.sync_mode = 'full' and audit.status = 'succeeded', false) as is_complete_full_snapshot
    from audit
),

final as (
    select
        renamed.*,
        coalesce(
            renamed.is_complete_full_snapshot
            and row_number() over (
                partition by renamed.source, renamed.stream, renamed.is_complete_full_snapshot
                order by renamed.started_at desc, renamed.run_id desc
            ) = 1,
            false
        ) as is_latest_complete_full_snapshot
    from renamed
)

select * from final
