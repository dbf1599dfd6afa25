{#-
    Cross-database macros for acmecloud (DuckDB locally, Snowflake in production).

    Everything where the DuckDB and Snowflake dialects differ lives in this ONE file, as
    `adapter.dispatch` macros with a `default__` implementation (portable SQL where one exists)
    plus `duckdb__` / `snowflake__` implementations. Models never contain dialect-specific SQL;
    everything else uses dbt's own cross-database macros (dbt.date_trunc, dbt.dateadd,
    dbt.type_string, ...).

    | macro                | why it is dispatched                                               |
    |----------------------|--------------------------------------------------------------------|
    | json_get             | typed value at a dotted path of a JSON (DuckDB) / VARIANT (Sf)     |
    | json_array_elements  | one row per element of a JSON array (unnest vs lateral flatten)    |
    | json_text_array_elements | one row per element of a JSON array held as text (parse + unnest) |
    | epoch_to_timestamp   | Unix epoch seconds -> UTC TIMESTAMP / TIMESTAMP_NTZ                |
    | iso_timestamp        | ISO-8601 string with an offset -> naive UTC TIMESTAMP / TIMESTAMP_NTZ |
    | utc_now              | the current instant as a naive UTC timestamp                       |
    | month_spine          | one row per month between two instants (generate_series/generator) |
    | timestamp_type       | the naive-UTC timestamp type (TIMESTAMP vs TIMESTAMP_NTZ)          |

    Non-dispatched helpers at the bottom compose the above:
    json_get_timestamp, json_get_iso_timestamp, as_of_timestamp, minor_to_major, round_minor_to_major.

    Conventions: all timestamps are naive and in UTC (DuckDB TIMESTAMP, Snowflake TIMESTAMP_NTZ).
    `path` arguments are dotted paths without a leading `$.` (e.g. 'parent.subscription_details.subscription').
-#}


{#- Map this project's logical type names onto dbt's cross-database type macros. -#}
{% macro _acme_sql_type(data_type) -%}
    {%- set t = data_type | lower -%}
    {%- if t == 'string' -%}{{ dbt.type_string() }}
    {%- elif t in ('integer', 'bigint') -%}{{ dbt.type_bigint() }}
    {%- elif t == 'numeric' -%}{{ dbt.type_numeric() }}
    {%- elif t == 'float' -%}{{ dbt.type_float() }}
    {%- elif t == 'boolean' -%}{{ dbt.type_boolean() }}
    {%- else -%}{{ exceptions.raise_compiler_error("json_get: unknown data_type '" ~ data_type ~ "'") }}
    {%- endif -%}
{%- endmacro %}


{#-
    json_get(column, path, data_type='string')

    The value at `path` inside the JSON document `column`, cast to `data_type`
    (string | integer | numeric | float | boolean | json). A missing key or a JSON null gives SQL NULL.
    'json' returns the sub-document itself (JSON on DuckDB, VARIANT on Snowflake) for further json_get
    calls or json_array_elements.
-#}
{% macro json_get(column, path, data_type='string') -%}
    {{ return(adapter.dispatch('json_get', 'acmecloud')(column, path, data_type)) }}
{%- endmacro %}

{% macro default__json_get(column, path, data_type='string') -%}
    {#- ANSI has no JSON path access; json_extract_path_text-style engines are the common denominator. -#}
    {%- if data_type == 'json' -%}
        json_extract_path({{ column }}, {% for part in path.split('.') %}'{{ part }}'{% if not loop.last %}, {% endif %}{% endfor %})
    {%- else -%}
        cast(json_extract_path_text({{ column }}, {% for part in path.split('.') %}'{{ part }}'{% if not loop.last %}, {% endif %}{% endfor %}) as {{ _acme_sql_type(data_type) }})
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__json_get(column, path, data_type='string') -%}
    {%- if data_type == 'json' -%}
        json_extract({{ column }}, '$.{{ path }}')
    {%- elif data_type == 'string' -%}
        json_extract_string({{ column }}, '$.{{ path }}')
    {%- else -%}
        cast(json_extract_string({{ column }}, '$.{{ path }}') as {{ _acme_sql_type(data_type) }})
    {%- endif -%}
{%- endmacro %}

{% macro snowflake__json_get(column, path, data_type='string') -%}
    {#- get_path rather than the `col:a.b` shorthand: same semantics, and it also works on an
        expression (e.g. a flatten alias). Casting a VARIANT JSON null gives SQL NULL. -#}
    {%- if data_type == 'json' -%}
        get_path({{ column }}, '{{ path }}')
    {%- else -%}
        cast(get_path({{ column }}, '{{ path }}') as {{ _acme_sql_type(data_type) }})
    {%- endif -%}
{%- endmacro %}


{#-
    json_array_elements(column, path, alias)

    A FROM-clause fragment that joins one row per element of the JSON array at `path` in `column`
    (rows whose array is missing, null or empty produce no rows; left-join the aggregate back).
    Use it after a relation, with a leading comma already included:

        from {{ ref('x') }} as line
        {{ json_array_elements('line._record', 'discount_amounts', 'discount') }}

    and read each element with {{ json_get('discount.value', 'amount', 'integer') }}.
-#}
{% macro json_array_elements(column, path, alias) -%}
    {{ return(adapter.dispatch('json_array_elements', 'acmecloud')(column, path, alias)) }}
{%- endmacro %}

{% macro default__json_array_elements(column, path, alias) -%}
    cross join lateral json_array_elements({{ json_get(column, path, 'json') }}) as {{ alias }} (value)
{%- endmacro %}

{% macro duckdb__json_array_elements(column, path, alias) -%}
    cross join unnest(cast({{ json_get(column, path, 'json') }} as json[])) as {{ alias }} (value)
{%- endmacro %}

{% macro snowflake__json_array_elements(column, path, alias) -%}
    , lateral flatten(input => {{ json_get(column, path, 'json') }}) as {{ alias }}
{%- endmacro %}


{#-
    json_text_array_elements(column, alias)

    Like json_array_elements, for a JSON array of scalars stored as *text* (a VARCHAR column such as
    bronze._schema_history.properties, `["a", "b"]`), at its root. A FROM-clause fragment (leading
    comma included where the dialect needs one); read each element as a string with
    `cast(<alias>.value as {{ dbt.type_string() }})` (strings come unquoted). Null, empty or
    non-array text produces no rows.
-#}
{% macro json_text_array_elements(column, alias) -%}
    {{ return(adapter.dispatch('json_text_array_elements', 'acmecloud')(column, alias)) }}
{%- endmacro %}

{% macro default__json_text_array_elements(column, alias) -%}
    cross join lateral json_array_elements_text(cast({{ column }} as json)) as {{ alias }} (value)
{%- endmacro %}

{% macro duckdb__json_text_array_elements(column, alias) -%}
    cross join unnest(cast(json({{ column }}) as varchar[])) as {{ alias }} (value)
{%- endmacro %}

{% macro snowflake__json_text_array_elements(column, alias) -%}
    , lateral flatten(input => parse_json({{ column }})) as {{ alias }}
{%- endmacro %}


{#-
    epoch_to_timestamp(expression)

    Unix epoch seconds (Stripe's `created`, `period.start`, ...) to a naive UTC timestamp.
    DuckDB's to_timestamp() returns TIMESTAMPTZ (session-time-zone dependent), so build the naive
    timestamp from microseconds instead; Snowflake's to_timestamp_ntz(<number>) is already UTC.
-#}
{% macro epoch_to_timestamp(expression) -%}
    {{ return(adapter.dispatch('epoch_to_timestamp', 'acmecloud')(expression)) }}
{%- endmacro %}

{% macro default__epoch_to_timestamp(expression) -%}
    {{ dbt.dateadd('second', expression, "cast('1970-01-01 00:00:00' as " ~ timestamp_type() ~ ")") }}
{%- endmacro %}

{% macro duckdb__epoch_to_timestamp(expression) -%}
    make_timestamp(cast({{ expression }} as bigint) * 1000000)
{%- endmacro %}

{% macro snowflake__epoch_to_timestamp(expression) -%}
    to_timestamp_ntz(cast({{ expression }} as number(38, 0)))
{%- endmacro %}


{#-
    iso_timestamp(expression)

    An ISO-8601 timestamp string with a UTC offset (Zendesk `2024-03-01T10:00:00Z`, Salesforce
    `2024-03-01T10:00:00.000+0000`) to a naive UTC timestamp, converting any offset to UTC and
    independent of the session time zone; null stays null. DuckDB: parse as TIMESTAMPTZ, then
    timezone('UTC', ..); Snowflake: TIMESTAMP_TZ, convert_timezone('UTC', ..), then TIMESTAMP_NTZ.
-#}
{% macro iso_timestamp(expression) -%}
    {{ return(adapter.dispatch('iso_timestamp', 'acmecloud')(expression)) }}
{%- endmacro %}

{% macro default__iso_timestamp(expression) -%}
    cast({{ expression }} as {{ timestamp_type() }})
{%- endmacro %}

{% macro duckdb__iso_timestamp(expression) -%}
    timezone('UTC', cast({{ expression }} as timestamptz))
{%- endmacro %}

{% macro snowflake__iso_timestamp(expression) -%}
    cast(convert_timezone('UTC', cast({{ expression }} as timestamp_tz)) as timestamp_ntz)
{%- endmacro %}


{#-
    utc_now()

    The current instant as a naive UTC timestamp, independent of the session time zone.
    (dbt.current_timestamp() is TIMESTAMPTZ on DuckDB and TIMESTAMP_TZ on Snowflake.)
-#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'acmecloud')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast({{ dbt.current_timestamp() }} as {{ timestamp_type() }})
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    cast(timezone('UTC', {{ dbt.current_timestamp() }}) as timestamp)
{%- endmacro %}

{% macro snowflake__utc_now() -%}
    cast({{ dbt.current_timestamp() }} as timestamp_ntz)
{%- endmacro %}


{#-
    month_spine(start_expression, end_expression)

    A complete SELECT returning one row per calendar month, column `month_start_at` (timestamp, first
    instant of the month), from the month of `start_expression` to the month of `end_expression`
    inclusive. Both arguments are scalar SQL expressions (scalar subqueries are fine).
    DuckDB: generate_series; Snowflake: table(generator()) whose rowcount must be a constant
    (var month_spine_max_months); default: a portable 0..9999 digit cross join. No CTEs, so the
    result can be wrapped in any CTE.
-#}
{% macro month_spine(start_expression, end_expression) -%}
    {{ return(adapter.dispatch('month_spine', 'acmecloud')(start_expression, end_expression)) }}
{%- endmacro %}

{% macro default__month_spine(start_expression, end_expression) -%}
    select {{ dbt.dateadd('month', 'numbers.n', 'bounds.first_month_at') }} as month_start_at
    from (
        select
            {{ dbt.date_trunc('month', start_expression) }} as first_month_at,
            {{ dbt.date_trunc('month', end_expression) }} as last_month_at
    ) as bounds
    cross join (
        select thousands.d * 1000 + hundreds.d * 100 + tens.d * 10 + ones.d as n
        from
            (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
             union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
            as thousands
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
             union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
            as hundreds
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
             union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
            as tens
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
             union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
            as ones
    ) as numbers
    where numbers.n <= {{ dbt.datediff('bounds.first_month_at', 'bounds.last_month_at', 'month') }}
{%- endmacro %}

{% macro duckdb__month_spine(start_expression, end_expression) -%}
    select cast(unnest(generate_series(
        cast(date_trunc('month', {{ start_expression }}) as timestamp),
        cast(date_trunc('month', {{ end_expression }}) as timestamp),
        interval 1 month
    )) as timestamp) as month_start_at
{%- endmacro %}

{% macro snowflake__month_spine(start_expression, end_expression) -%}
    select cast(dateadd(month, numbers.n, bounds.first_month_at) as timestamp_ntz) as month_start_at
    from (
        select
            date_trunc('month', {{ start_expression }}) as first_month_at,
            date_trunc('month', {{ end_expression }}) as last_month_at
    ) as bounds
    cross join (
        select row_number() over (order by seq4()) - 1 as n
        from table(generator(rowcount => {{ var('month_spine_max_months', 1200) | int }}))
    ) as numbers
    where numbers.n <= datediff(month, bounds.first_month_at, bounds.last_month_at)
{%- endmacro %}


{#-
    timestamp_type()

    The naive-UTC timestamp type: TIMESTAMP on DuckDB, TIMESTAMP_NTZ on Snowflake (spelled out so
    an account-level TIMESTAMP_TYPE_MAPPING cannot turn `timestamp` into LTZ/TZ).
-#}
{% macro timestamp_type() -%}
    {{ return(adapter.dispatch('timestamp_type', 'acmecloud')()) }}
{%- endmacro %}

{% macro default__timestamp_type() -%}
    {{ return(dbt.type_timestamp()) }}
{%- endmacro %}

{% macro snowflake__timestamp_type() -%}
    {{ return('timestamp_ntz') }}
{%- endmacro %}


{# ------------------------------------------------------------------------------------------------
   Non-dispatched helpers (built only from the dispatched macros above and dbt's own macros).
   ------------------------------------------------------------------------------------------------ #}

{#- An ISO-8601 string field inside a JSON document (Zendesk, Salesforce), as a naive UTC timestamp. -#}
{% macro json_get_iso_timestamp(column, path) -%}
    {{ iso_timestamp(json_get(column, path)) }}
{%- endmacro %}


{#- A Stripe epoch-seconds field inside a JSON document, as a naive UTC timestamp. -#}
{% macro json_get_timestamp(column, path) -%}
    {{ epoch_to_timestamp(json_get(column, path, 'integer')) }}
{%- endmacro %}


{#-
    as_of_timestamp()

    "Now" for as-of computations: var('as_of') when set, else utc_now(). The var accepts an ISO-8601
    string (a trailing Z or an offset is converted to UTC), a date, or epoch seconds, and is rendered
    as a naive UTC timestamp literal so every dialect reads it the same way.
-#}
{% macro as_of_timestamp() -%}
    {%- set raw = var('as_of', none) -%}
    {%- if raw is none or (raw is string and raw | trim in ('', 'null', 'none', 'None')) -%}
        {{ utc_now() }}
    {%- else -%}
        {%- set dt = modules.datetime -%}
        {%- if raw is number -%}
            {%- set parsed = dt.datetime.fromtimestamp(raw, modules.pytz.utc) -%}
        {%- else -%}
            {%- set text = raw | string | trim -%}
            {%- if text.endswith('Z') or text.endswith('z') -%}
                {%- set text = text[:-1] ~ '+00:00' -%}
            {%- endif -%}
            {%- set parsed = dt.datetime.fromisoformat(text) -%}
        {%- endif -%}
        {%- if parsed.tzinfo is not none -%}
            {%- set parsed = parsed.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
        {%- endif -%}
        cast('{{ parsed.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ timestamp_type() }})
    {%- endif -%}
{%- endmacro %}


{#- Stripe minor units (cents) to major units, per contracts.md §2 (minor / 100). Unrounded. -#}
{% macro minor_to_major(expression) -%}
    ({{ expression }}) / 100.0
{%- endmacro %}


{#-
    round_minor_to_major(expression)

    An amount in minor units (possibly fractional, e.g. a normalised monthly amount computed in
    floating point) rounded half-up (away from zero) to a whole minor unit, returned in major units as
    numeric(28, 2): the ground truth rounds MRR once per customer-month to 0.01, half up. The 1e-6
    guard absorbs floating-point error: normalised Stripe amounts are rationals with small
    denominators (12 x interval_count), so a true value is never within 1e-6 of a half-cent unless
    it is exactly on it. Same SQL on DuckDB and Snowflake (sign, abs, floor are portable).
-#}
{% macro round_minor_to_major(expression) -%}
    cast(
        sign({{ expression }}) * floor(abs({{ expression }}) + 0.5 + 0.000001) / 100.0
        as numeric(28, 2)
    )
{%- endmacro %}


{# ------------------------------------------------------------------------------------------------
   Marts (customer_360, open_support_escalations, churn_risk_inputs): dispatched as above.
   ------------------------------------------------------------------------------------------------ #}

{#-
    json_array_contains_string(column, value)

    True when the JSON array `column` (JSON on DuckDB, VARIANT on Snowflake; e.g. Zendesk `tags`) holds
    the string `value`; false for a missing, null or non-array document (never null). Matches the
    quoted element in the array's canonical text ("escalated" does not match "not_escalated"), which
    both engines (and fakesnow, whose array_contains cannot bind a VARIANT) run the same way. `value`
    is a literal without quotes or backslashes.
-#}
{% macro json_array_contains_string(column, value) -%}
    {{ return(adapter.dispatch('json_array_contains_string', 'acmecloud')(column, value)) }}
{%- endmacro %}

{% macro default__json_array_contains_string(column, value) -%}
    coalesce(cast({{ column }} as {{ dbt.type_string() }}) like '%"{{ value }}"%', false)
{%- endmacro %}

{% macro duckdb__json_array_contains_string(column, value) -%}
    coalesce(contains(cast({{ column }} as varchar), '"{{ value }}"'), false)
{%- endmacro %}

{% macro snowflake__json_array_contains_string(column, value) -%}
    coalesce(contains(to_json({{ column }}), '"{{ value }}"'), false)
{%- endmacro %}


{#-
    id_list_agg(expression, delimiter='|')

    Aggregate: the distinct non-null values of `expression` as text, sorted, joined with `delimiter`
    (null when there are none). Gold carries source ids and run ids this way: a delimited string has
    the same contract type (varchar) on both warehouses, unlike DuckDB LIST vs Snowflake ARRAY.
-#}
{% macro id_list_agg(expression, delimiter='|') -%}
    {{ return(adapter.dispatch('id_list_agg', 'acmecloud')(expression, delimiter)) }}
{%- endmacro %}

{% macro default__id_list_agg(expression, delimiter='|') -%}
    listagg(distinct cast({{ expression }} as {{ dbt.type_string() }}), '{{ delimiter }}')
        within group (order by cast({{ expression }} as {{ dbt.type_string() }}))
{%- endmacro %}

{% macro duckdb__id_list_agg(expression, delimiter='|') -%}
    string_agg(distinct cast({{ expression }} as varchar), '{{ delimiter }}' order by cast({{ expression }} as varchar))
{%- endmacro %}

{% macro snowflake__id_list_agg(expression, delimiter='|') -%}
    listagg(distinct cast({{ expression }} as varchar), '{{ delimiter }}')
        within group (order by cast({{ expression }} as varchar))
{%- endmacro %}


{#-
    day_spine(start_expression, end_expression)

    A complete SELECT returning one row per calendar day, column `day_on` (date), from the day of
    `start_expression` to the day of `end_expression` inclusive (scalar expressions). Snowflake's
    generator needs a constant rowcount: var day_spine_max_days (default 3660). No CTEs.
-#}
{% macro day_spine(start_expression, end_expression) -%}
    {{ return(adapter.dispatch('day_spine', 'acmecloud')(start_expression, end_expression)) }}
{%- endmacro %}

{% macro default__day_spine(start_expression, end_expression) -%}
    select cast({{ dbt.dateadd('day', 'numbers.n', 'bounds.first_day') }} as date) as day_on
    from (
        select cast({{ start_expression }} as date) as first_day, cast({{ end_expression }} as date) as last_day
    ) as bounds
    cross join (
        select hundreds.d * 100 + tens.d * 10 + ones.d as n
        from
            (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
             union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
            as hundreds
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
             union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
            as tens
        cross join (select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
             union all select 5 union all select 6 union all select 7 union all select 8 union all select 9)
            as ones
    ) as numbers
    where numbers.n <= {{ dbt.datediff('bounds.first_day', 'bounds.last_day', 'day') }}
{%- endmacro %}

{% macro duckdb__day_spine(start_expression, end_expression) -%}
    select cast(unnest(generate_series(
        cast(cast({{ start_expression }} as date) as timestamp),
        cast(cast({{ end_expression }} as date) as timestamp),
        interval 1 day
    )) as date) as day_on
{%- endmacro %}

{% macro snowflake__day_spine(start_expression, end_expression) -%}
    select cast(dateadd(day, numbers.n, bounds.first_day) as date) as day_on
    from (
        select cast({{ start_expression }} as date) as first_day, cast({{ end_expression }} as date) as last_day
    ) as bounds
    cross join (
        select row_number() over (order by seq4()) - 1 as n
        from table(generator(rowcount => {{ var('day_spine_max_days', 3660) | int }}))
    ) as numbers
    where numbers.n <= datediff(day, bounds.first_day, bounds.last_day)
{%- endmacro %}
