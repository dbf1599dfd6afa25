{#-
    Identity resolution helpers (models/intermediate/identity/, DECISIONLOG "Identity resolution").

    Dispatched (DuckDB / Snowflake differ):
    | macro                          | DuckDB                              | Snowflake                               |
    |--------------------------------|-------------------------------------|-----------------------------------------|
    | identity_regexp_replace        | regexp_replace(.., 'g')             | regexp_replace (replaces all)           |
    | identity_name_similarity       | jaro_winkler_similarity (0..1)      | jarowinkler_similarity / 100 (0..100)   |
    | identity_json_string_elements  | unnest(cast(json as varchar[]))     | lateral flatten(variant)                |

    Portable (built from the above and dbt's cross-db macros): identity_normalize_email,
    identity_email_domain, identity_normalize_domain, identity_normalize_name,
    identity_salesforce_id15, identity_free_mail_domains / identity_is_free_mail,
    identity_label_propagation (connected components as a chain of CTEs).
-#}


{#- Replace every match of `pattern` (no backslashes: keep patterns portable) with `replacement`. -#}
{% macro identity_regexp_replace(expression, pattern, replacement) -%}
    {{ return(adapter.dispatch('identity_regexp_replace', 'acmecloud')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__identity_regexp_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}')
{%- endmacro %}

{% macro duckdb__identity_regexp_replace(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}


{#- Jaro-Winkler similarity of two strings in [0, 1] (null when either is null). -#}
{% macro identity_name_similarity(left, right) -%}
    {{ return(adapter.dispatch('identity_name_similarity', 'acmecloud')(left, right)) }}
{%- endmacro %}

{% macro default__identity_name_similarity(left, right) -%}
    (case when {{ left }} = {{ right }} then 1.0 else 0.0 end)
{%- endmacro %}

{% macro duckdb__identity_name_similarity(left, right) -%}
    jaro_winkler_similarity({{ left }}, {{ right }})
{%- endmacro %}

{% macro snowflake__identity_name_similarity(left, right) -%}
    (jarowinkler_similarity({{ left }}, {{ right }}) / 100.0)
{%- endmacro %}


{#-
    identity_json_string_elements(column, alias)

    FROM-clause fragment: one row per element of the JSON array of strings held in `column` (JSON on
    DuckDB, VARIANT on Snowflake, e.g. stg_zendesk__organizations.domain_names). Read the element
    with `cast(<alias>.value as {{ dbt.type_string() }})`. Null or empty arrays give no rows.
-#}
{% macro identity_json_string_elements(column, alias) -%}
    {{ return(adapter.dispatch('identity_json_string_elements', 'acmecloud')(column, alias)) }}
{%- endmacro %}

{% macro default__identity_json_string_elements(column, alias) -%}
    cross join lateral json_array_elements_text({{ column }}) as {{ alias }} (value)
{%- endmacro %}

{% macro duckdb__identity_json_string_elements(column, alias) -%}
    cross join unnest(cast({{ column }} as varchar[])) as {{ alias }} (value)
{%- endmacro %}

{% macro snowflake__identity_json_string_elements(column, alias) -%}
    , lateral flatten(input => {{ column }}) as {{ alias }}
{%- endmacro %}


{#- Free-mail / consumer mailbox providers: an address there says nothing about the company. -#}
{% macro identity_free_mail_domains() -%}
    {{ return(var('identity_free_mail_domains', [
        'gmail.com', 'googlemail.com', 'yahoo.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de', 'ymail.com',
        'outlook.com', 'hotmail.com', 'hotmail.co.uk', 'live.com', 'msn.com', 'icloud.com', 'me.com',
        'mac.com', 'aol.com', 'proton.me', 'protonmail.com', 'gmx.de', 'gmx.net', 'gmx.com', 'web.de',
        't-online.de', 'orange.fr', 'free.fr', 'laposte.net', 'mail.com', 'zoho.com', 'yandex.com',
        'qq.com', '163.com'
    ])) }}
{%- endmacro %}

{% macro identity_is_free_mail(domain_expression) -%}
    ({{ domain_expression }} in ({% for d in identity_free_mail_domains() %}'{{ d }}'{% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}


{#- lower(trim(email)); empty or without '@' -> null. -#}
{% macro identity_normalize_email(expression) -%}
    (case
        when lower(trim({{ expression }})) like '%_@_%' then lower(trim({{ expression }}))
    end)
{%- endmacro %}


{#- The domain of a normalised email when it is a corporate one (free-mail -> null). -#}
{% macro identity_email_domain(normalized_email) -%}
    (case
        when {{ normalized_email }} is not null
            and not {{ identity_is_free_mail(dbt.split_part(normalized_email, "'@'", 2)) }}
            then {{ dbt.split_part(normalized_email, "'@'", 2) }}
    end)
{%- endmacro %}


{#- A website or domain as typed (scheme, www., path, case, blanks) -> bare lower-case host. -#}
{% macro identity_normalize_domain(expression) -%}
    nullif({{ identity_regexp_replace(
        dbt.split_part(
            identity_regexp_replace(
                identity_regexp_replace("lower(trim(" ~ expression ~ "))", '^[a-z]+://', ''),
                '^www[.]', ''
            ),
            "'/'", 1
        ),
        '[.]$', ''
    ) }}, '')
{%- endmacro %}


{#-
    A company name normalised for matching: lower case, "(City)" and " - City" tails dropped,
    punctuation -> blank, a leading "the" and legal-form words (inc, corp, corporation, llc, ltd,
    limited, plc, gmbh, ag, co, kg, sas, sa, sarl, bv, nv, dac, sl, srl, spa, group) dropped, blanks
    collapsed. "Acme Corp." / "ACME CORPORATION" / "Acme, Inc." / "The Acme (Berlin)" -> "acme".
-#}
{% macro identity_normalize_name(expression) -%}
    {%- set legal = ['inc', 'incorporated', 'corp', 'corporation', 'llc', 'ltd', 'limited', 'plc', 'gmbh',
                     'ag', 'co', 'kg', 'sas', 'sa', 'sarl', 'bv', 'nv', 'dac', 'sl', 'srl', 'spa', 'pty',
                     'pte', 'pvt', 'private', 'ab', 'group', 'company', 'the'] -%}
    {%- set step = "lower(trim(" ~ expression ~ "))" -%}
    {%- set step = identity_regexp_replace(step, '[(].*[)]', ' ') -%}
    {%- set step = identity_regexp_replace(step, ' - .*$', ' ') -%}
    {#- "s.r.l." -> "srl", "b.v." -> "bv": drop dots between letters first, then other punctuation -#}
    {%- set step = identity_regexp_replace(step, '[.]', '') -%}
    {%- set step = identity_regexp_replace(step, '[^a-z0-9]+', ' ') -%}
    {#- a list, not `set` in the loop: a variable set inside a Jinja for loop is gone after it -#}
    {%- set wrapped = ["' ' || " ~ step ~ " || ' '"] -%}
    {%- for word in legal -%}
        {%- do wrapped.append("replace(" ~ wrapped[-1] ~ ", ' " ~ word ~ " ', ' ')") -%}
    {%- endfor -%}
    nullif(trim({{ identity_regexp_replace(wrapped[-1], ' +', ' ') }}), '')
{%- endmacro %}


{#-
    The case-sensitive 15-character form of a Salesforce id typed anywhere (15 or 18 characters,
    blanks trimmed); anything else -> null. Two ids denote the same record iff their 15-character
    forms are equal (the 3-character suffix is a checksum of the case of the first 15).
-#}
{% macro identity_salesforce_id15(expression) -%}
    (case
        when length(trim({{ expression }})) in (15, 18) then substr(trim({{ expression }}), 1, 15)
    end)
{%- endmacro %}


{#-
    identity_label_propagation(prefix, nodes_cte, edges_cte, rounds)

    Connected components by min-label propagation, as a chain of CTEs named `<prefix>_r0` ..
    `<prefix>_r<rounds>` (place the call inside a WITH list, after `nodes_cte` and `edges_cte`).
    `nodes_cte` has column `node`; `edges_cte` has `node_a`, `node_b` (undirected). Each round a node
    takes the smallest label among itself and its neighbours; after `rounds` rounds every component
    whose diameter is <= rounds has one label (its smallest node). The caller checks convergence by
    comparing the last two rounds (`<prefix>_r<rounds - 1>`). Portable SQL (no recursion, so no
    UNION-vs-UNION ALL differences in recursive CTEs between DuckDB and Snowflake).
-#}
{% macro identity_label_propagation(prefix, nodes_cte, edges_cte, rounds=8) -%}
    {{ prefix }}_r0 as (
        select node, node as label from {{ nodes_cte }}
    ){% for i in range(1, rounds + 1) %},

    {{ prefix }}_r{{ i }} as (
        select candidates.node, min(candidates.label) as label
        from (
            select node, label from {{ prefix }}_r{{ i - 1 }}
            union all
            select edges.node_a as node, previous.label
            from {{ edges_cte }} as edges
            inner join {{ prefix }}_r{{ i - 1 }} as previous on edges.node_b = previous.node
            union all
            select edges.node_b as node, previous.label
            from {{ edges_cte }} as edges
            inner join {{ prefix }}_r{{ i - 1 }} as previous on edges.node_a = previous.node
        ) as candidates
        group by candidates.node
    ){% endfor %}
{%- endmacro %}


{#-
    identity_pick_best(evidence_relation)

    A complete SELECT: for each record of `evidence_relation` (record_key, rule_family, weight,
    account_cluster) the winning account cluster. A cluster's score is the sum over rule families of
    the family's strongest weight (two systems repeating one cross-reference count once); the
    highest score wins, then the strongest single rule, then the smallest cluster label
    (deterministic). Also returns the runner-up count and the total score, for confidence.
-#}
{% macro identity_pick_best(evidence_relation) -%}
    select
        ranked.record_key,
        ranked.account_cluster,
        ranked.score,
        ranked.best_weight,
        ranked.candidate_clusters,
        ranked.total_score
    from (
        select
            scored.*,
            row_number() over (
                partition by scored.record_key
                order by scored.score desc, scored.best_weight desc, scored.account_cluster
            ) as cluster_rank,
            count(*) over (partition by scored.record_key) as candidate_clusters,
            sum(scored.score) over (partition by scored.record_key) as total_score
        from (
            select
                families.record_key,
                families.account_cluster,
                sum(families.family_weight) as score,
                max(families.family_weight) as best_weight
            from (
                select record_key, account_cluster, rule_family, max(weight) as family_weight
                from {{ evidence_relation }}
                group by record_key, account_cluster, rule_family
            ) as families
            group by families.record_key, families.account_cluster
        ) as scored
    ) as ranked
    where ranked.cluster_rank = 1
{%- endmacro %}
