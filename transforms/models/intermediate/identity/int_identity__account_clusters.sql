{{ config(materialized='table') }}

-- Salesforce accounts grouped into clusters: connected components over int_identity__account_links
-- (label propagation, var identity_cc_rounds rounds). `account_cluster` is the smallest member's
-- record key (an internal label, not the customer id); `is_converged` is false if a component
-- needed more rounds (a data test fails then).
with nodes as (
    select record_key as node
    from {{ ref('int_identity__source_records') }}
    where source_entity = 'account'
),

edges as (
    select distinct
        node_a,
        node_b
    from {{ ref('int_identity__account_links') }}
),

{{ identity_label_propagation('lp', 'nodes', 'edges', var('identity_cc_rounds', 8)) }}

select
    final.node as record_key,
    final.label as account_cluster,
    final.label = previous.label as is_converged
from lp_r{{ var('identity_cc_rounds', 8) }} as final
inner join lp_r{{ var('identity_cc_rounds', 8) - 1 }} as previous
    on final.node = previous.node
