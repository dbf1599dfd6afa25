{#-
    Latest version per bronze key, with deletes: from the source's own signal, or inferred from the
    stream's complete full snapshots (sources that never say "deleted", or objects deleted while no
    delta saw it). See DECISIONLOG.md "Deletes without a delete signal".

    latest_version_with_deletes(source_name, table_name,
                                deleted_expression=none, deleted_at_expression=none,
                                infer_deletes=true, record_version='latest_live',
                                audit_source=none, audit_stream=none, snapshot_scope=none)

    A SELECT (no CTEs, so it can sit inside any CTE on every warehouse) over
    `source(source_name, table_name)` returning one row per `_record_key`:

    | column                  | meaning                                                                  |
    |-------------------------|--------------------------------------------------------------------------|
    | _record_key             | the key                                                                  |
    | _record                 | the latest *live* version's document when one exists (record_version=    |
    |                         | 'latest_live', for sources whose delete is a tombstone without           |
    |                         | attributes, e.g. Stripe), else the latest version's ('latest')           |
    | is_deleted              | source said deleted OR inferred from a full snapshot (below)             |
    | deleted_at              | source: the delete version's deleted_at_expression (default its          |
    |                         | _extracted_at); full_snapshot: start of the first complete full snapshot |
    |                         | covering the key that started after its latest version was extracted     |
    | deletion_signal         | 'source' | 'full_snapshot' | null (not deleted)                          |
    | _source, _stream, _sync_mode, _run_id, _extracted_at, _loaded_at, _file_name, _file_row           |
    |                         | lineage of the latest version                                            |

    * Latest version: first by `_extracted_at desc, _file_name desc, _file_row desc` (contracts §4).
    * Source delete: the latest version has `_is_deleted`, or `deleted_expression` (a boolean SQL
      expression over the bronze row, alias `bronze`, e.g.
      `json_get('bronze._record', 'deleted', 'boolean')`) is true.
    * Inferred delete (infer_deletes=true): a *complete full snapshot* of the stream is a
      `bronze._load_audit` row with sync_mode = 'full' and status = 'succeeded' (target-bronze writes
      it only once the stream finished loading; a crashed full run leaves rows but no audit row and
      never counts). Its rows are the bronze rows with that `_run_id` and `_sync_mode = 'full'`; its
      start is the audit's `started_at`. A key is inferred deleted when a complete full snapshot that
      *covers* it started after its latest version was extracted AND the key is absent from the first
      such snapshot. A stream that never had a complete full snapshot infers nothing. A key that
      comes back (a later delta or snapshot) is live again.
    * Coverage: a snapshot with no rows in `bronze._snapshot_scopes` read the whole stream and covers
      every key. A scoped snapshot (Stripe's partitioned daily reconciliation: the last weeks plus a
      rolling seventh of older `created` weeks) has one row per range of a timestamp property, in
      epoch seconds, `range_from` inclusive, `range_to` exclusive or null; it covers a key only when
      `snapshot_scope` is given for the stream and the key's value lies in one of its ranges.
      `snapshot_scope` = {'property': 'created', 'bronze': <the value as a timestamp, SQL over
      alias `bronze`>, 'model': <the same from the model's columns, SQL over alias `live_model`>}.
      Without it a scoped snapshot covers nothing (no delete is ever inferred from part of a stream).
    * The audit row is matched on (audit_source, audit_stream), by default read from the bronze table
      name `<source>__<stream>` (contracts §4), so e.g. source('stripe', 'customers') ->
      ('stripe', 'customers').
    * Incremental models: only keys that received a version since the model's watermark (max
      `_loaded_at` minus var staging_lookback_hours) are re-read, plus (with inference) the keys the
      model still holds as live whose latest version is older than the latest complete snapshot, so
      a snapshot that misses them flags them without a new bronze version. The model must carry
      `_record_key` and `is_deleted` (bronze_lineage_columns does). With a scoped snapshot only the
      live keys it covers are re-read (`snapshot_scope.model`).
    * Set infer_deletes=false for streams whose full read is not a snapshot of everything that
      exists (e.g. Stripe /v1/events only lists the last 30 days). The project var
      infer_deletes_from_full_snapshots=false turns inference off everywhere (incident switch; the
      incremental models then need a --full-refresh to drop deletes inferred earlier).
-#}
{% macro latest_version_with_deletes(
    source_name,
    table_name,
    deleted_expression=none,
    deleted_at_expression=none,
    infer_deletes=true,
    record_version='latest_live',
    audit_source=none,
    audit_stream=none,
    snapshot_scope=none
) -%}
    {%- set bronze_relation = source(source_name, table_name) -%}
    {#- var infer_deletes_from_full_snapshots (default true): a project-wide off switch -#}
    {%- set infer = infer_deletes and (var('infer_deletes_from_full_snapshots', true) | as_bool) -%}
    {%- set audit_relation = source('bronze', '_load_audit') if infer else none -%}
    {%- set scope_relation = source('bronze', '_snapshot_scopes') if infer else none -%}
    {%- set identifier = (bronze_relation.identifier or table_name) | lower -%}
    {%- if '__' in identifier -%}
        {%- set default_source, default_stream = identifier.split('__', 1) -%}
    {%- else -%}
        {%- set default_source, default_stream = source_name, table_name -%}
    {%- endif -%}
    {{ return(bronze_latest_versions(
        bronze_relation,
        audit_relation=audit_relation,
        audit_source=audit_source or default_source,
        audit_stream=audit_stream or default_stream,
        deleted_expression=deleted_expression,
        deleted_at_expression=deleted_at_expression,
        record_version=record_version,
        scope_relation=scope_relation,
        snapshot_scope=snapshot_scope
    )) }}
{%- endmacro %}


{#-
    bronze_latest_versions(bronze_relation, audit_relation=none, audit_source=none, audit_stream=none,
                           deleted_expression=none, deleted_at_expression=none,
                           record_version='latest_live')

    The implementation behind latest_version_with_deletes, on relations (use that macro in models).
    audit_relation=none: no inference (source deletes only).
-#}
{% macro bronze_latest_versions(
    bronze_relation,
    audit_relation=none,
    audit_source=none,
    audit_stream=none,
    deleted_expression=none,
    deleted_at_expression=none,
    record_version='latest_live',
    scope_relation=none,
    snapshot_scope=none
) -%}
    {%- if snapshot_scope is not none and (snapshot_scope.get('property') is none
        or snapshot_scope.get('bronze') is none or snapshot_scope.get('model') is none) -%}
        {{ exceptions.raise_compiler_error("bronze_latest_versions: snapshot_scope needs the keys property, bronze and model, got " ~ snapshot_scope) }}
    {%- endif -%}
    {%- if audit_relation is not none and scope_relation is none -%}
        {{ exceptions.raise_compiler_error("bronze_latest_versions: inferring deletes needs scope_relation (bronze._snapshot_scopes) with audit_relation") }}
    {%- endif -%}
    {#- no inference: a scope has nothing to restrict -#}
    {%- set snapshot_scope = snapshot_scope if audit_relation is not none else none -%}
    {%- if record_version not in ('latest_live', 'latest') -%}
        {{ exceptions.raise_compiler_error("bronze_latest_versions: record_version must be 'latest_live' or 'latest', got '" ~ record_version ~ "'") }}
    {%- endif -%}
    {%- if execute and audit_relation is not none -%}
        {%- for name, value in [('audit_source', audit_source), ('audit_stream', audit_stream)] -%}
            {%- if value is none or not modules.re.match('^[a-z][a-z0-9_]*$', value | string) -%}
                {{ exceptions.raise_compiler_error("bronze_latest_versions: " ~ name ~ " must match ^[a-z][a-z0-9_]*$, got '" ~ value ~ "'") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- set ts = timestamp_type() -%}
    {%- set scope_bronze = snapshot_scope['bronze'] if snapshot_scope is not none else 'cast(null as ' ~ ts ~ ')' -%}
    select
        latest._record_key,
        latest.record_document as _record,
        (
            latest.is_deleted_version
            {%- if audit_relation is not none %}
            or (latest.missed_run_id is not null and in_missed_snapshot._record_key is null)
            {%- endif %}
        ) as is_deleted,
        case
            when latest.is_deleted_version then latest.version_deleted_at
            {%- if audit_relation is not none %}
            when latest.missed_run_id is not null and in_missed_snapshot._record_key is null
                then latest.missed_started_at
            {%- endif %}
        end as deleted_at,
        cast(
            case
                when latest.is_deleted_version then 'source'
                {%- if audit_relation is not none %}
                when latest.missed_run_id is not null and in_missed_snapshot._record_key is null
                    then 'full_snapshot'
                {%- endif %}
            end
            as {{ dbt.type_string() }}
        ) as deletion_signal,
        latest._source,
        latest._stream,
        latest._sync_mode,
        latest._run_id,
        latest._extracted_at,
        latest._loaded_at,
        latest._file_name,
        latest._file_row
    from (
    {%- if audit_relation is not none %}
    -- the first complete full snapshot covering the key that started after its latest version was
    -- extracted (missed_rank = 1); none for a key every covering snapshot has seen
    select
        candidates.*
    from (
    select
        latest_version.*,
        covering.run_id as missed_run_id,
        covering.snapshot_started_at as missed_started_at,
        row_number() over (
            partition by latest_version._record_key
            order by covering.snapshot_started_at, covering.run_id
        ) as missed_rank
    from (
    {%- endif %}
        select
            ranked._record_key,
            {%- if record_version == 'latest_live' %}
            ranked.live_record as record_document,
            {%- else %}
            ranked._record as record_document,
            {%- endif %}
            ranked.is_deleted_version,
            ranked.version_deleted_at,
            ranked._source,
            ranked._stream,
            ranked._sync_mode,
            ranked._run_id,
            ranked._extracted_at,
            ranked._loaded_at,
            ranked._file_name,
            ranked._file_row,
            ranked.scope_value
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
                        {%- if deleted_expression is not none %}
                        or coalesce({{ deleted_expression }}, false)
                        {%- endif %}
                    ) as is_deleted_version,
                    {{ deleted_at_expression if deleted_at_expression is not none else 'bronze._extracted_at' }}
                        as version_deleted_at,
                    bronze._source,
                    bronze._stream,
                    bronze._sync_mode,
                    bronze._run_id,
                    bronze._extracted_at,
                    bronze._loaded_at,
                    bronze._file_name,
                    bronze._file_row,
                    {{ scope_bronze }} as scope_value
                from {{ bronze_relation }} as bronze
                {%- if is_incremental() %}
                -- incremental run: every version of every key that received a version since the
                -- last run (watermark: max _loaded_at already in the model, minus var
                -- staging_lookback_hours for loads that committed late) ...
                where bronze._record_key in (
                    select changed._record_key
                    from {{ bronze_relation }} as changed
                    where changed._loaded_at >= (
                        select
                            {{ dbt.dateadd(
                                'hour',
                                -1 * (var('staging_lookback_hours', 6) | int),
                                "coalesce(max(this_model._loaded_at), cast('1900-01-01' as " ~ ts ~ "))"
                            ) }}
                        from {{ this }} as this_model
                    )
                    {%- if audit_relation is not none %}
                    -- ... and every key the model holds as live that a complete full snapshot covering
                    -- it started after (a snapshot that misses a key adds no version of it)
                    union all
                    select live_model._record_key
                    from {{ this }} as live_model
                    inner join (
                        {{ _complete_full_snapshot_coverage(audit_relation, scope_relation, audit_source, audit_stream) }}
                    ) as covering
                        on
                            live_model._extracted_at < covering.snapshot_started_at
                            and {{ _snapshot_covers('covering', snapshot_scope['model'] if snapshot_scope is not none else none, snapshot_scope) }}
                    where not coalesce(live_model.is_deleted, false)
                    {%- endif %}
                )
                {%- endif %}
            ) as versions
        ) as ranked
        where ranked.version_rank = 1
    {%- if audit_relation is not none %}
    ) as latest_version
    left join (
        {{ _complete_full_snapshot_coverage(audit_relation, scope_relation, audit_source, audit_stream) }}
    ) as covering
        on
            latest_version._extracted_at < covering.snapshot_started_at
            and {{ _snapshot_covers('covering', 'latest_version.scope_value', snapshot_scope) }}
    ) as candidates
    where candidates.missed_rank = 1
    {%- endif %}
    ) as latest
    {%- if audit_relation is not none %}
    -- was the key in that snapshot after all (a version extracted just before the recorded start)?
    left join (
        select
            snapshot_rows._record_key,
            snapshot_rows._run_id
        from {{ bronze_relation }} as snapshot_rows
        where snapshot_rows._sync_mode = 'full'
        group by snapshot_rows._record_key, snapshot_rows._run_id
    ) as in_missed_snapshot
        on
            latest._record_key = in_missed_snapshot._record_key
            and latest.missed_run_id = in_missed_snapshot._run_id
    {%- endif %}
{%- endmacro %}


{#-
    Whether snapshot `alias` (a row of _complete_full_snapshot_coverage) covers a key whose scope
    value (a timestamp) is `value`: a whole-stream snapshot always; a scoped one when the stream
    declares snapshot_scope with the same property and the value lies in the range.
-#}
{% macro _snapshot_covers(alias, value, snapshot_scope) -%}
    (
        {{ alias }}.scope_property is null
        {%- if snapshot_scope is not none %}
        or (
            {{ alias }}.scope_property = '{{ snapshot_scope["property"] }}'
            and {{ value }} >= {{ epoch_to_timestamp(alias ~ '.range_from') }}
            and ({{ alias }}.range_to is null or {{ value }} < {{ epoch_to_timestamp(alias ~ '.range_to') }})
        )
        {%- endif %}
    )
{%- endmacro %}


{#-
    One row per complete full snapshot of a stream and range it covers: run_id, snapshot_started_at,
    and scope_property / range_from / range_to from bronze._snapshot_scopes (all null for a snapshot
    of the whole stream, one row per range for a scoped one).
-#}
{% macro _complete_full_snapshot_coverage(audit_relation, scope_relation, audit_source, audit_stream) -%}
    select
        snapshots.run_id,
        snapshots.snapshot_started_at,
        scopes.scope_property,
        scopes.range_from,
        scopes.range_to
    from (
        {{ _complete_full_snapshot_runs(audit_relation, audit_source, audit_stream) }}
    ) as snapshots
    left join (
        select
            scope.run_id,
            scope.scope_property,
            scope.range_from,
            scope.range_to
        from {{ scope_relation }} as scope
        where
            scope.source = '{{ audit_source }}'
            and scope.stream = '{{ audit_stream }}'
    ) as scopes
        on snapshots.run_id = scopes.run_id
{%- endmacro %}


{% macro _complete_full_snapshot_runs(audit_relation, audit_source, audit_stream) -%}
    select
        audit.run_id,
        min(audit.started_at) as snapshot_started_at
    from {{ audit_relation }} as audit
    where
        audit.source = '{{ audit_source }}'
        and audit.stream = '{{ audit_stream }}'
        and audit.sync_mode = 'full'
        and audit.status = 'succeeded'
        and audit.started_at is not null
    group by audit.run_id
{%- endmacro %}
