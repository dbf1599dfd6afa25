with history as (
    select * from {{ source('bronze', '_schema_history') }}
),

versions as (
    select
        history.source,
        history.stream,
        history.schema_hash,
        history.properties,
        history.run_id,
        history.first_seen_at,
        row_number() over (
            partition by history.source, history.stream
            order by history.first_seen_at, history.run_id, history.schema_hash
        ) as schema_version,
        lag(history.schema_hash) over (
            partition by history.source, history.stream
            order by history.first_seen_at, history.run_id, history.schema_hash
        ) as previous_schema_hash
    from history
),

version_properties as (
    select distinct
        versions.source,
        versions.stream,
        versions.schema_version,
        cast(property.value as {{ dbt.type_string() }}) as property_name
    from versions
    {{ json_text_array_elements('versions.properties', 'property') }}
),

-- in this version, not in the previous one of the stream (every property of a stream's first version)
added as (
    select
        current_version.source,
        current_version.stream,
        current_version.schema_version,
        current_version.property_name
    from version_properties as current_version
    left join version_properties as previous_version
        on
            current_version.source = previous_version.source
            and current_version.stream = previous_version.stream
            and current_version.schema_version - 1 = previous_version.schema_version
            and current_version.property_name = previous_version.property_name
    where previous_version.property_name is null
),

-- in the previous version of the stream, not in this one
removed as (
    select
        next_version.source,
        next_version.stream,
        next_version.schema_version,
        previous_version.property_name
    from version_properties as previous_version
    inner join versions as next_version
        on
            previous_version.source = next_version.source
            and previous_version.stream = next_version.stream
            and previous_version.schema_version + 1 = next_version.schema_version
    left join version_properties as current_version
        on
            next_version.source = current_version.source
            and next_version.stream = current_version.stream
            and next_version.schema_version = current_version.schema_version
            and previous_version.property_name = current_version.property_name
    where current_version.property_name is null
),

added_summary as (
    select
        added.source,
        added.stream,
        added.schema_version,
        count(*) as added_property_count,
        {{ dbt.listagg('added.property_name', "', '", 'order by added.property_name') }} as properties_added
    from added
    group by added.source, added.stream, added.schema_version
),

removed_summary as (
    select
        removed.source,
        removed.stream,
        removed.schema_version,
        count(*) as removed_property_count,
        {{ dbt.listagg('removed.property_name', "', '", 'order by removed.property_name') }} as properties_removed
    from removed
    group by removed.source, removed.stream, removed.schema_version
),

property_counts as (
    select
        version_properties.source,
        version_properties.stream,
        version_properties.schema_version,
        count(*) as property_count
    from version_properties
    group by version_properties.source, version_properties.stream, version_properties.schema_version
),

final as (
    select
        versions.source,
        versions.stream,
        versions.schema_version,
        versions.schema_hash,
        versions.previous_schema_hash,
        case
            when versions.previous_schema_hash is null then 'initial'
            when
                coalesce(added_summary.added_property_count, 0)
                + coalesce(removed_summary.removed_property_count, 0) > 0
                then 'properties_changed'
            else 'definition_changed'
        end as change_type,
        added_summary.properties_added,
        removed_summary.properties_removed,
        coalesce(added_summary.added_property_count, 0) as added_property_count,
        coalesce(removed_summary.removed_property_count, 0) as removed_property_count,
        coalesce(property_counts.property_count, 0) as property_count,
        versions.run_id,
        versions.first_seen_at
    from versions
    left join added_summary
        on
            versions.source = added_summary.source
            and versions.stream = added_summary.stream
            and versions.schema_version = added_summary.schema_version
    left join removed_summary
        on
            versions.source = removed_summary.source
            and versions.stream = removed_summary.stream
            and versions.schema_version = removed_summary.schema_version
    left join property_counts
        on
            versions.source = property_counts.source
            and versions.stream = property_counts.stream
            and versions.schema_version = property_counts.schema_version
)

select * from final
