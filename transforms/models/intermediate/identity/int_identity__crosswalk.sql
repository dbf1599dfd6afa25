{{ config(materialized='table') }}

-- One row per source record (Salesforce account / contact, Stripe customer, Zendesk organization /
-- end user) with its canonical customer_id. Customers are the connected components over
--   * account-account links (int_identity__account_links: merge, website domain, names), and
--   * each other record's ONE winning placement (int_identity__evidence scored by
--     identity_pick_best): a record joins a single account cluster, so a wrong cross-reference can
--     misplace that record but never glue two customers together;
--   * for records with no evidence at all: a Zendesk user follows its organization, and unplaced
--     records sharing one email (Stripe customer / Zendesk user) stay together; the rest are
--     singletons (match_rule 'unmatched').
-- customer_id = 'cus360_' || md5(anchor record key); the anchor is the component's earliest-created
-- Salesforce account (deleted or not), else its earliest record: stable while the anchor stays in
-- the component (DECISIONLOG "Identity resolution: stable ids").
with records as (
    select * from {{ ref('int_identity__source_records') }}
),

evidence as (
    select * from {{ ref('int_identity__evidence') }}
),

best as (
    {{ identity_pick_best('evidence') }}
),

best_rule as (
    select
        record_key,
        match_rule
    from (
        select
            evidence.record_key,
            evidence.match_rule,
            row_number() over (
                partition by evidence.record_key
                order by evidence.weight desc, evidence.match_rule asc
            ) as rule_rank
        from evidence
        inner join best
            on evidence.record_key = best.record_key
                and evidence.account_cluster = best.account_cluster
    ) as ranked
    where rule_rank = 1
),

account_link_rule as (
    select
        record_key,
        match_rule,
        confidence
    from (
        select
            ends.record_key,
            ends.match_rule,
            ends.confidence,
            row_number() over (
                partition by ends.record_key
                order by ends.confidence desc, ends.match_rule asc
            ) as rule_rank
        from (
            select
                node_a as record_key,
                match_rule,
                case match_rule when 'salesforce_merge' then 1.0 when 'website_domain' then 0.9
                    when 'name_exact' then 0.8 else 0.6
                end as confidence
            from {{ ref('int_identity__account_links') }}
            union all
            select
                node_b as record_key,
                match_rule,
                case match_rule when 'salesforce_merge' then 1.0 when 'website_domain' then 0.9
                    when 'name_exact' then 0.8 else 0.6
                end as confidence
            from {{ ref('int_identity__account_links') }}
        ) as ends
    ) as ranked
    where rule_rank = 1
),

unplaced as (
    select records.*
    from records
    left join best on records.record_key = best.record_key
    where records.source_entity <> 'account' and best.record_key is null
),

fallback_edges as (
    -- a Zendesk user without evidence follows its organization (placed or not)
    select
        unplaced.record_key as node_a,
        unplaced.parent_key as node_b,
        'zendesk_user_organization' as match_rule
    from unplaced
    inner join records as orgs on unplaced.parent_key = orgs.record_key
    union all
    -- unplaced records with the same email stay together
    select
        a.record_key as node_a,
        b.record_key as node_b,
        'email_exact' as match_rule
    from unplaced as a
    inner join unplaced as b
        on a.email_norm = b.email_norm
            and a.record_key < b.record_key
),

nodes as (
    select record_key as node from records
),

edges as (
    select
        node_a,
        node_b
    from {{ ref('int_identity__account_links') }}
    union all
    select
        record_key,
        account_cluster
    from best
    union all
    select
        node_a,
        node_b
    from fallback_edges
),

{{ identity_label_propagation('cc', 'nodes', 'edges', var('identity_cc_rounds', 8)) }},

components as (
    select
        final.node as record_key,
        final.label as component,
        final.label = previous.label as is_converged
    from cc_r{{ var('identity_cc_rounds', 8) }} as final
    inner join cc_r{{ var('identity_cc_rounds', 8) - 1 }} as previous
        on final.node = previous.node
),

anchors as (
    select
        component,
        anchor_key
    from (
        select
            components.component,
            records.record_key as anchor_key,
            row_number() over (
                partition by components.component
                order by
                    case when records.source_entity = 'account' then 0 else 1 end,
                    records.created_at,
                    records.record_key
            ) as anchor_rank
        from components
        inner join records on components.record_key = records.record_key
    ) as ranked
    where anchor_rank = 1
),

fallback_rule as (
    select
        node_a as record_key,
        min(match_rule) as match_rule
    from fallback_edges
    group by node_a
    union all
    select
        targets.node_b as record_key,
        min(targets.match_rule) as match_rule
    from fallback_edges as targets
    where targets.node_b in (select unplaced.record_key from unplaced)
        and targets.node_b not in (select sources.node_a from fallback_edges as sources)
    group by targets.node_b
)

select
    records.source_system,
    records.source_entity,
    records.source_id,
    'cus360_' || {{ dbt.hash('anchors.anchor_key') }} as customer_id,
    case
        when records.source_entity = 'account'
            then coalesce(account_link_rule.match_rule, 'salesforce_account')
        when best_rule.match_rule is not null then best_rule.match_rule
        when fallback_rule.match_rule is not null then 'fallback_' || fallback_rule.match_rule
        else 'unmatched'
    end as match_rule,
    cast(
        case
            when records.record_key = anchors.anchor_key then 1.0
            when records.source_entity = 'account' then coalesce(account_link_rule.confidence, 1.0)
            when best.record_key is not null
                then round(best.best_weight * best.score / best.total_score, 3)
            when fallback_rule.match_rule is not null then 0.5
            else 0.0
        end as {{ dbt.type_numeric() }}
    ) as confidence,
    records.is_deleted,
    records.record_key,
    anchors.anchor_key,
    best.account_cluster,
    coalesce(best.candidate_clusters, 0) as candidate_clusters,
    components.is_converged,
    records.created_at
from records
inner join components on records.record_key = components.record_key
inner join anchors on components.component = anchors.component
left join best on records.record_key = best.record_key
left join best_rule on records.record_key = best_rule.record_key
left join account_link_rule on records.record_key = account_link_rule.record_key
left join fallback_rule on records.record_key = fallback_rule.record_key
