{{ config(materialized='table') }}

-- Every piece of evidence that pointed a record at another customer than the one it was placed in:
-- one row per (record, losing account cluster, losing rule). `decided_by` states the precedence
-- that decided: a higher score (sum over rule families of the family's strongest weight:
-- structural 1.0 > explicit 0.9 [Stripe metadata 0.9 > Stripe_Customer_Id__c 0.85, external_id 0.9]
-- > email 0.8 > phone 0.7 > domain 0.6 > name 0.5 / 0.35 > person name 0.3), else the stronger
-- single rule, else the smaller cluster label. Nothing is dropped silently.
with crosswalk as (
    select * from {{ ref('int_identity__crosswalk') }}
    where account_cluster is not null and candidate_clusters > 1
),

evidence as (
    select * from {{ ref('int_identity__evidence') }}
),

scores as (
    select
        record_key,
        account_cluster,
        sum(family_weight) as score,
        max(family_weight) as best_weight
    from (
        select
            record_key,
            account_cluster,
            rule_family,
            max(weight) as family_weight
        from evidence
        group by record_key, account_cluster, rule_family
    ) as families
    group by record_key, account_cluster
),

cluster_customers as (
    select distinct
        clusters.account_cluster,
        crosswalk.customer_id
    from {{ ref('int_identity__account_clusters') }} as clusters
    inner join {{ ref('int_identity__crosswalk') }} as crosswalk
        on clusters.record_key = crosswalk.record_key
)

select
    crosswalk.source_system,
    crosswalk.source_entity,
    crosswalk.source_id,
    crosswalk.customer_id as chosen_customer_id,
    crosswalk.match_rule as chosen_rule,
    winner.score as chosen_score,
    losing_customer.customer_id as rejected_customer_id,
    evidence.match_rule as rejected_rule,
    evidence.weight as rejected_weight,
    loser.score as rejected_score,
    case
        when winner.score > loser.score then 'higher_score'
        when winner.best_weight > loser.best_weight then 'stronger_rule'
        else 'tie_smallest_cluster'
    end as decided_by,
    case
        when losing_customer.customer_id = crosswalk.customer_id then 'same_customer_via_links'
        else 'rejected'
    end as outcome,
    {{ utc_now() }} as _detected_at
from crosswalk
inner join evidence
    on crosswalk.record_key = evidence.record_key
        and crosswalk.account_cluster <> evidence.account_cluster
inner join scores as winner
    on crosswalk.record_key = winner.record_key
        and crosswalk.account_cluster = winner.account_cluster
inner join scores as loser
    on evidence.record_key = loser.record_key
        and evidence.account_cluster = loser.account_cluster
left join cluster_customers as losing_customer
    on evidence.account_cluster = losing_customer.account_cluster
