{#-
    Schemas are exactly bronze / silver / gold (and elementary), not dbt's default
    `<target_schema>_<custom_schema>`. Set DBT_SCHEMA_PREFIX (e.g. `dev_alice_`) to build a private
    copy in a shared dev warehouse: `dev_alice_silver`, `dev_alice_gold`. Sources (bronze) are never
    prefixed: they are read from the loader's `bronze` schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('DBT_SCHEMA_PREFIX', '') | trim -%}
    {%- if custom_schema_name is none -%}
        {{ prefix ~ target.schema }}
    {%- else -%}
        {{ prefix ~ (custom_schema_name | trim) }}
    {%- endif -%}
{%- endmacro %}
