{#-
    Elementary hooks that must live in the root project (Elementary's docs, dbt >= 1.8: packages may
    not override built-in materializations implicitly).

    With var('elementary_enabled') false (the default, and the only possible value when the package is
    not installed) these are dbt's own test materializations and nothing references the `elementary`
    namespace, so the project builds with no `dbt deps`. With it true, Elementary's wrappers run and
    record test results / samples in the `elementary` schema.
-#}
{% materialization test, default %}
    {%- if var('elementary_enabled', false) | as_bool -%}
        {{ return(elementary.materialization_test_default()) }}
    {%- else -%}
        {{ return(dbt.materialization_test_default()) }}
    {%- endif -%}
{% endmaterialization %}

{% materialization test, adapter='snowflake' %}
    {%- if var('elementary_enabled', false) | as_bool -%}
        {{ return(elementary.materialization_test_snowflake()) }}
    {%- else -%}
        {{ return(dbt.materialization_test_snowflake()) }}
    {%- endif -%}
{% endmaterialization %}
