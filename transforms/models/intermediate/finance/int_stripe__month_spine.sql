{#-
    One row per calendar month from the month of the first subscription start to the month of
    `as_of` (var, default now), with `evaluated_at`: the instant MRR is measured at for that month,
    t = min(last second of the month, as_of) (contracts.md §2).
-#}
with spine as (
    {{ month_spine(
        "(select min(started_at) from " ~ ref('stg_stripe__subscriptions') ~ ")",
        as_of_timestamp()
    ) }}
),

months as (
    select
        month_start_at,
        {{ dbt.dateadd('second', -1, dbt.dateadd('month', 1, 'month_start_at')) }} as month_end_at
    from spine
),

final as (
    select
        month_start_at,
        month_end_at,
        case
            when month_end_at < {{ as_of_timestamp() }} then month_end_at
            else {{ as_of_timestamp() }}
        end as evaluated_at
    from months
)

select * from final
