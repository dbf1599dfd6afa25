{#-
    stripe_latest_records(source_table)

    Superseded by latest_version_with_deletes (macros/latest_version_with_deletes.sql), which every
    Stripe staging model now calls; kept so older callers still compile. Same rule (latest version
    per `_record_key`, Stripe tombstones `_record.deleted = true` flagged, `_record` from the latest
    live version) and the same columns, but deletes come from the source only: no inference from full
    snapshots (`deletion_signal` is 'source' or null).
-#}
{% macro stripe_latest_records(source_table) -%}
    {{ return(bronze_latest_versions(
        source_table,
        deleted_expression=json_get('bronze._record', 'deleted', 'boolean')
    )) }}
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


{#-
    The delete flags and lineage columns every staging model carries through from bronze
    (latest_version_with_deletes). `_record_key` and `is_deleted` are also what an incremental staging
    model's next run reads back from itself.
-#}
{% macro bronze_lineage_columns(relation_alias='latest') -%}
    {{ relation_alias }}.is_deleted,
    {{ relation_alias }}.deleted_at,
    {{ relation_alias }}.deletion_signal,
    {{ relation_alias }}._record_key,
    {{ relation_alias }}._run_id,
    {{ relation_alias }}._sync_mode,
    {{ relation_alias }}._extracted_at,
    {{ relation_alias }}._loaded_at,
    {{ relation_alias }}._file_name,
    {{ relation_alias }}._file_row
{%- endmacro %}
