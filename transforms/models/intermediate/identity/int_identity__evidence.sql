{{ config(materialized='table') }}

-- Every piece of evidence that places a non-account record in an account cluster, one row per
-- (record, rule, cluster), strongest families first:
--   structural (1.0): a contact's AccountId; a Zendesk user's organization (via the organization's
--                     own placement, phase 2)
--   explicit   (0.9): Stripe metadata salesforce account id (15 or 18 chars); Salesforce
--                     Stripe_Customer_Id__c; Zendesk organization external_id
--   email      (0.8): the same normalised email as a Salesforce contact (or, for Zendesk users, a
--                     placed Stripe customer)
--   domain     (0.6): a corporate email / organization domain owned by exactly one account cluster
--                     (account websites and contacts' corporate email domains)
--   phone      (0.7) / person_name (0.3), Zendesk users only: the same phone digits / full name as
--                     a placed contact, Stripe customer or Zendesk user (phase 3)
--   name_exact (0.5) also in phase 3: an unplaced Stripe customer / organization with the same
--                     normalised name as placed ones of exactly one cluster
--   name       (0.5 exact normalised, 0.35 Jaro-Winkler >= threshold, blocked on 2 letters)
-- An identifier pointing at more than var identity_max_group_size clusters is not used.
with records as (
    select * from {{ ref('int_identity__source_records') }}
),

clusters as (
    select
        records.*,
        clusters.account_cluster
    from records
    inner join {{ ref('int_identity__account_clusters') }} as clusters
        on records.record_key = clusters.record_key
),

-- contacts sit in their account's cluster (structural)
contact_clusters as (
    select
        contacts.record_key,
        accounts.account_cluster
    from records as contacts
    inner join clusters as accounts
        on contacts.account_ref15 = accounts.account_id15
    where contacts.source_entity = 'contact'
),

-- corporate domains -> the one cluster that owns them
domain_owners as (
    select
        website_domain as domain,
        account_cluster
    from clusters
    where website_domain is not null
    union all
    select
        contacts.email_domain as domain,
        contact_clusters.account_cluster
    from records as contacts
    inner join contact_clusters on contacts.record_key = contact_clusters.record_key
    where contacts.email_domain is not null
),

domain_map as (
    select
        domain,
        min(account_cluster) as account_cluster
    from domain_owners
    where not {{ identity_is_free_mail('domain') }}
    group by domain
    having count(distinct account_cluster) = 1
),

email_owners as (
    select
        contacts.email_norm,
        contact_clusters.account_cluster
    from records as contacts
    inner join contact_clusters on contacts.record_key = contact_clusters.record_key
    where contacts.email_norm is not null
),

email_map as (
    select
        owners.email_norm,
        owners.account_cluster
    from email_owners as owners
    where owners.email_norm in (
            select shared.email_norm from email_owners as shared
            group by shared.email_norm
            having count(distinct shared.account_cluster) <= {{ var('identity_max_group_size', 3) }}
        )
    group by owners.email_norm, owners.account_cluster
),

name_map as (
    select
        named.name_norm,
        named.account_cluster
    from clusters as named
    where named.name_norm in (
            select unique_names.name_norm from clusters as unique_names
            where unique_names.name_norm is not null
            group by unique_names.name_norm
            having count(distinct unique_names.account_cluster) = 1
        )
    group by named.name_norm, named.account_cluster
),

org_domains as (
    select
        'zendesk:organization:' || cast(orgs.organization_id as {{ dbt.type_string() }}) as record_key,
        {{ identity_normalize_domain('cast(domain_name.value as ' ~ dbt.type_string() ~ ')') }} as domain
    from {{ ref('stg_zendesk__organizations') }} as orgs
    {{ identity_json_string_elements('orgs.domain_names', 'domain_name') }}
),

-- close names (no exact one), used only when they point at one cluster
fuzzy_names as (
    select
        matches.*,
        count(distinct matches.account_cluster) over (partition by matches.record_key) as fuzzy_clusters
    from (
        select distinct
            r.record_key,
            c.account_cluster
        from records as r
        inner join clusters as c
            on substr(r.name_norm, 1, 2) = substr(c.name_norm, 1, 2)
                and r.name_norm <> c.name_norm
        where r.source_entity in ('customer', 'organization')
            and length(r.name_norm) >= 5
            and length(c.name_norm) >= 5
            and {{ identity_name_similarity('r.name_norm', 'c.name_norm') }}
            >= {{ var('identity_fuzzy_name_threshold', 0.95) }}
    ) as matches
),

phase1 as (
    -- structural: contact -> its account
    select
        record_key,
        'salesforce_contact_account' as match_rule,
        'structural' as rule_family,
        1.0 as weight,
        account_cluster
    from contact_clusters

    -- explicit cross-references
    union all
    select
        r.record_key,
        'stripe_metadata_account' as match_rule,
        'explicit' as rule_family,
        0.9 as weight,
        c.account_cluster
    from records as r
    inner join clusters as c on r.account_ref15 = c.account_id15
    where r.source_entity = 'customer'

    union all
    select
        r.record_key,
        'salesforce_stripe_customer_id' as match_rule,
        'explicit' as rule_family,
        0.85 as weight,
        c.account_cluster
    from records as r
    inner join clusters as c on r.source_id = c.stripe_customer_ref
    where r.source_entity = 'customer'

    union all
    select
        r.record_key,
        'zendesk_external_id' as match_rule,
        'explicit' as rule_family,
        0.9 as weight,
        c.account_cluster
    from records as r
    inner join clusters as c on r.account_ref15 = c.account_id15
    where r.source_entity = 'organization'

    -- person -> account: the same email as a contact
    union all
    select
        r.record_key,
        'email_exact' as match_rule,
        'email' as rule_family,
        0.8 as weight,
        m.account_cluster
    from records as r
    inner join email_map as m on r.email_norm = m.email_norm
    where r.source_entity in ('customer', 'user')

    -- corporate domains
    union all
    select
        r.record_key,
        'email_domain' as match_rule,
        'domain' as rule_family,
        0.6 as weight,
        m.account_cluster
    from records as r
    inner join domain_map as m on r.email_domain = m.domain
    where r.source_entity in ('customer', 'user', 'contact')

    union all
    select
        d.record_key,
        'organization_domain' as match_rule,
        'domain' as rule_family,
        0.6 as weight,
        m.account_cluster
    from org_domains as d
    inner join domain_map as m on d.domain = m.domain

    union all
    select
        r.record_key,
        'organization_domain' as match_rule,
        'domain' as rule_family,
        0.6 as weight,
        m.account_cluster
    from records as r
    inner join domain_map as m on r.website_domain = m.domain
    where r.source_entity = 'organization'

    -- an organization's members' corporate email domains
    union all
    select
        members.parent_key,
        'organization_member_domain' as match_rule,
        'domain' as rule_family,
        0.6 as weight,
        m.account_cluster
    from records as members
    inner join domain_map as m on members.email_domain = m.domain
    where members.source_entity = 'user' and members.parent_key is not null

    -- names
    union all
    select
        r.record_key,
        'name_exact' as match_rule,
        'name' as rule_family,
        0.5 as weight,
        m.account_cluster
    from records as r
    inner join name_map as m on r.name_norm = m.name_norm
    where r.source_entity in ('customer', 'organization')

    union all
    select
        record_key,
        'name_fuzzy' as match_rule,
        'name' as rule_family,
        0.35 as weight,
        account_cluster
    from fuzzy_names
    where fuzzy_clusters = 1
),

phase1_best as (
    {{ identity_pick_best('phase1') }}
),

-- Zendesk users: their organization's placement, or a placed Stripe customer with the same email
phase2 as (
    select
        u.record_key,
        'zendesk_user_organization' as match_rule,
        'structural' as rule_family,
        1.0 as weight,
        org.account_cluster
    from records as u
    inner join phase1_best as org on u.parent_key = org.record_key
    where u.source_entity = 'user'

    union all
    select
        u.record_key,
        'email_exact' as match_rule,
        'email' as rule_family,
        0.8 as weight,
        sc.account_cluster
    from records as u
    inner join records as customers
        on u.email_norm = customers.email_norm
            and customers.source_entity = 'customer'
    inner join phase1_best as sc on customers.record_key = sc.record_key
    where u.source_entity = 'user'
),

phase12 as (
    select
        record_key,
        match_rule,
        rule_family,
        weight,
        account_cluster
    from phase1
    union all
    select
        record_key,
        match_rule,
        rule_family,
        weight,
        account_cluster
    from phase2
),

phase12_best as (
    {{ identity_pick_best('phase12') }}
),

-- person-level identifiers of every placed person record (contacts, Stripe customers, Zendesk
-- users): phones (digits) and full names, used only when they point at exactly one cluster
person_identifiers as (
    select
        'phone' as kind,
        r.phone_norm as identifier,
        p.account_cluster,
        r.record_key
    from records as r
    inner join phase12_best as p on r.record_key = p.record_key
    where r.phone_norm is not null
    union all
    select
        'phone' as kind,
        r.mobile_norm as identifier,
        p.account_cluster,
        r.record_key
    from records as r
    inner join phase12_best as p on r.record_key = p.record_key
    where r.mobile_norm is not null
    union all
    select
        'person_name' as kind,
        lower(trim(r.record_name)) as identifier,
        p.account_cluster,
        r.record_key
    from records as r
    inner join phase12_best as p on r.record_key = p.record_key
    where r.source_entity in ('contact', 'customer', 'user') and lower(trim(r.record_name)) like '% %'
),

-- names of placed customer-level records (Stripe customers, organizations): for the ones still
-- unplaced whose name no account carries (e.g. "ACME PTY LTD" next to an "Acme" organization)
placed_names as (
    select
        r.name_norm,
        min(p.account_cluster) as account_cluster
    from records as r
    inner join phase12_best as p on r.record_key = p.record_key
    where r.source_entity in ('customer', 'organization') and r.name_norm is not null
    group by r.name_norm
    having count(distinct p.account_cluster) = 1
),

identifier_map as (
    select
        kind,
        identifier,
        min(account_cluster) as account_cluster
    from person_identifiers
    group by kind, identifier
    having count(distinct account_cluster) = 1
),

-- Zendesk users: the same phone (callers without email) or full name as a placed person record;
-- unplaced customers and organizations: the same normalised name as a placed one
phase3 as (
    select distinct
        r.record_key,
        'phone_exact' as match_rule,
        'phone' as rule_family,
        0.7 as weight,
        m.account_cluster
    from records as r
    inner join identifier_map as m on m.kind = 'phone' and r.phone_norm = m.identifier
    inner join person_identifiers as other
        on other.kind = 'phone' and r.phone_norm = other.identifier and r.record_key <> other.record_key
    where r.source_entity = 'user'
    union all
    select distinct
        r.record_key,
        'person_name' as match_rule,
        'person_name' as rule_family,
        0.3 as weight,
        m.account_cluster
    from records as r
    inner join identifier_map as m on m.kind = 'person_name' and r.person_name_norm = m.identifier
    inner join person_identifiers as other
        on other.kind = 'person_name' and r.person_name_norm = other.identifier
            and r.record_key <> other.record_key
    where r.source_entity = 'user'
    union all
    select
        r.record_key,
        'name_exact' as match_rule,
        'name' as rule_family,
        0.5 as weight,
        m.account_cluster
    from records as r
    inner join placed_names as m on r.name_norm = m.name_norm
    where r.source_entity in ('customer', 'organization')
        and r.record_key not in (select placed.record_key from phase12_best as placed)
)

select distinct
    record_key,
    match_rule,
    rule_family,
    weight,
    account_cluster
from phase12
union
select
    record_key,
    match_rule,
    rule_family,
    weight,
    account_cluster
from phase3
