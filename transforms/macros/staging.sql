{#-
    stripe_latest_records(source_table)

    A SELECT (no CTEs, so it can sit inside any CTE on every warehouse) returning one row per
    `_record_key` of a Stripe bronze table.

    * The latest version of a key is the first by `_extracted_at desc, _file_name desc, _file_row desc`
      (contracts.md §4).
    * `is_deleted` is that latest version's delete flag (`_is_deleted`, or `_record.deleted = true`),
      `deleted_at` its `_extracted_at` when deleted.
    * `_record` is the latest *non-deleted* version's document when one exists (a Stripe tombstone is
      only `{id, object, deleted}`), so deleted rows keep their last known attributes and are flagged,
      not dropped. The lineage columns (`_run_id`, `_loaded_at`, `_extracted_at`, ...) are the latest
      version's.
    * In an incremental run only keys that received a version since the model's watermark are read
      (all their versions, so the rule above still sees the key's full history).
-#}
{% macro stripe_latest_records(source_table) -%}
    select
        ranked._record_key,
        ranked.live_record as _record,
        ranked.is_deleted_version as is_deleted,
        case when ranked.is_deleted_version then ranked._extracted_at end as deleted_at,
        ranked._source,
        ranked._stream,
        ranked._sync_mode,
        ranked._run_id,
        ranked._extracted_at,
        ranked._loaded_at,
        ranked._file_name,
        ranked._file_row
    from (
        select
            versions.*,
            row_number() over (
                partition by versions._record_key
                order by versions._extracted_at desc, versions._file_name desc, versions._file_row desc
            ) as version_rank,
            first_value(versions._record) over (
                partition by versions._record_key
                order by
                    case when versions.is_deleted_version then 1 else 0 end,
                    versions._extracted_at desc,
                    versions._file_name desc,
                    versions._file_row desc
            ) as live_record
        from (
            select
                bronze._record_key,
                bronze._record,
                (
                    coalesce(bronze._is_deleted, false)
                    or coalesce({{ json_get('bronze._record', 'deleted', 'boolean') }}, false)
                ) as is_deleted_version,
                bronze._source,
                bronze._stream,
                bronze._sync_mode,
                bronze._run_id,
                bronze._extracted_at,
                bronze._loaded_at,
                bronze._file_name,
                bronze._file_row
            from {{ source_table }} as bronze
            {%- if is_incremental() %}
            -- incremental run: every version of every key that received a version since the last
            -- run (watermark: max _loaded_at already in the model, minus var staging_lookback_hours
            -- for loads that committed late)
            where bronze._record_key in (
                select changed._record_key
                from {{ source_table }} as changed
                where changed._loaded_at >= (
                    select
                        {{ dbt.dateadd(
                            'hour',
                            -1 * (var('staging_lookback_hours', 6) | int),
                            "coalesce(max(this_model._loaded_at), cast('1900-01-01' as " ~ timestamp_type() ~ "))"
                        ) }}
                    from {{ this }} as this_model
                )
            )
            {%- endif %}
        ) as versions
    ) as ranked
    where ranked.version_rank = 1
{%- endmacro %}


{#-
    The incremental strategy for the (large, append-mostly) staging models.

    * snowflake: merge on the model's unique_key (dbt-snowflake's default, one statement).
    * duckdb: delete+insert (dbt-duckdb's robust strategy for a unique_key).
    * fakesnow (target name): delete+insert as well. fakesnow 0.12.1 cannot run dbt-snowflake's merge
      path: the `create temporary view ..__dbt_tmp` fails ("TEMPORARY table names can only use the
      temp catalog") and, with a transient tmp table, its MERGE rewrite fails with "Ambiguous reference
      to column name". Scoped to the `fakesnow` target only, so production Snowflake keeps merge.
      See DECISIONLOG.md.
-#}
{% macro acme_incremental_strategy() -%}
    {%- if target.name == 'fakesnow' -%}
        {{ return('delete+insert') }}
    {%- elif target.type == 'snowflake' -%}
        {{ return('merge') }}
    {%- else -%}
        {{ return('delete+insert') }}
    {%- endif -%}
{%- endmacro %}


{#-
    tmp_relation_type for incremental models: none (the adapter's default) everywhere except the
    `fakesnow` target, where dbt-snowflake's session-scoped `create temporary view/table ...__dbt_tmp`
    fails ("TEMPORARY table names can only use the temp catalog") and a transient table in the model's
    own schema is used instead. See DECISIONLOG.md (fakesnow workarounds).
-#}
{% macro acme_incremental_tmp_relation_type() -%}
    {%- if target.name == 'fakesnow' -%}
        {{ return('transient') }}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}


{#- The lineage columns every staging model carries through from bronze. -#}
{% macro bronze_lineage_columns(relation_alias='latest') -%}
    {{ relation_alias }}.is_deleted,
    {{ relation_alias }}.deleted_at,
    {{ relation_alias }}._run_id,
    {{ relation_alias }}._sync_mode,
    {{ relation_alias }}._extracted_at,
    {{ relation_alias }}._loaded_at,
    {{ relation_alias }}._file_name,
    {{ relation_alias }}._file_row
{%- endmacro %}
