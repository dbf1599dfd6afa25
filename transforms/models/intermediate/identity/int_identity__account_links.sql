-- Evidence that two Salesforce accounts are the same customer (undirected, node_a < node_b):
-- MasterRecordId (a merge), the same corporate website domain, the same normalised name, or a close
-- name (Jaro-Winkler >= var identity_fuzzy_name_threshold, blocked on the name's first two letters).
-- Domain and name links are dropped when the identifier is shared by more than
-- var identity_max_group_size accounts (a generic value cannot glue many customers together), and
-- name links when both accounts have different website domains.
with records as (
    select * from {{ ref('int_identity__source_records') }}
),

-- the corporate email domain most of an account's contacts use
contact_domains as (
    select
        account_ref15,
        email_domain
    from (
        select
            account_ref15,
            email_domain,
            row_number() over (partition by account_ref15 order by count(*) desc, email_domain) as domain_rank
        from records
        where source_entity = 'contact' and email_domain is not null and account_ref15 is not null
        group by account_ref15, email_domain
    ) as ranked
    where domain_rank = 1
),

accounts as (
    select
        records.*,
        coalesce(records.website_domain, contact_domains.email_domain) as effective_domain
    from records
    left join contact_domains on records.account_id15 = contact_domains.account_ref15
    where records.source_entity = 'account'
),

domain_sizes as (
    select
        website_domain,
        count(*) as accounts
    from accounts
    where website_domain is not null
    group by website_domain
),

name_sizes as (
    select
        name_norm,
        count(*) as accounts
    from accounts
    where name_norm is not null
    group by name_norm
),

salesforce_merges as (
    select
        loser.record_key as node_a,
        master.record_key as node_b,
        'salesforce_merge' as match_rule
    from accounts as loser
    inner join accounts as master
        on loser.master_id15 = master.account_id15
    where loser.record_key <> master.record_key
),

same_domain as (
    select
        a.record_key as node_a,
        b.record_key as node_b,
        'website_domain' as match_rule
    from accounts as a
    inner join accounts as b
        on a.website_domain = b.website_domain
            and a.record_key < b.record_key
    inner join domain_sizes
        on a.website_domain = domain_sizes.website_domain
    where domain_sizes.accounts <= {{ var('identity_max_group_size', 3) }}
        and not {{ identity_is_free_mail('a.website_domain') }}
),

same_name as (
    select
        a.record_key as node_a,
        b.record_key as node_b,
        'name_exact' as match_rule
    from accounts as a
    inner join accounts as b
        on a.name_norm = b.name_norm
            and a.record_key < b.record_key
    inner join name_sizes
        on a.name_norm = name_sizes.name_norm
    where name_sizes.accounts <= {{ var('identity_max_group_size', 3) }}
        and (a.effective_domain is null or b.effective_domain is null or a.effective_domain = b.effective_domain)
),

close_name as (
    select
        a.record_key as node_a,
        b.record_key as node_b,
        'name_fuzzy' as match_rule
    from accounts as a
    inner join accounts as b
        on substr(a.name_norm, 1, 2) = substr(b.name_norm, 1, 2)
            and a.record_key < b.record_key
            and a.name_norm <> b.name_norm
    where length(a.name_norm) >= 5
        and length(b.name_norm) >= 5
        and (a.effective_domain is null or b.effective_domain is null or a.effective_domain = b.effective_domain)
        and {{ identity_name_similarity('a.name_norm', 'b.name_norm') }}
        >= {{ var('identity_fuzzy_name_threshold', 0.95) }}
)

select
    case when node_a < node_b then node_a else node_b end as node_a,
    case when node_a < node_b then node_b else node_a end as node_b,
    match_rule
from salesforce_merges
union all
select
    node_a,
    node_b,
    match_rule
from same_domain
union all
select
    node_a,
    node_b,
    match_rule
from same_name
union all
select
    node_a,
    node_b,
    match_rule
from close_name
