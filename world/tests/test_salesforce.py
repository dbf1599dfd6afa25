"""The Salesforce view: REST API shapes, the org's behaviour and its identifier chaos."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest
from acme_world import World, build_world
from acme_world.ids import salesforce_checksum
from acme_world.model import ObjectVersion
from acme_world.salesforce import FIELDS, RESOURCES, SalesforceView, describe
from acme_world.salesforce.fields import KEY_PREFIXES, STAGE_INFO, field_names
from acme_world.timeline import DAY
from acme_world.vocab import FREE_MAIL_DOMAINS

DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$")
DATE = re.compile(r"^\d{4}-\d\d-\d\d$")


def _epoch(value: str) -> int:
    return int(datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.000%z").timestamp())


def _latest(versions: list[ObjectVersion], until: int | None = None) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for version in versions:
        if until is not None and version.valid_from > until:
            break
        assert version.body is not None
        latest[version.id] = version.body
    return latest


def _valid_id(record_id: str, resource: str | None = None) -> bool:
    ok = len(record_id) == 18 and record_id[15:] == salesforce_checksum(record_id[:15])
    return ok and (resource is None or record_id.startswith(KEY_PREFIXES[resource]))


def test_bodies_have_the_describe_fields_in_order(world: World) -> None:
    view = world.salesforce
    assert {v.resource for v in view.versions} == set(RESOURCES)
    for version in view.versions:
        body = version.body
        assert body is not None
        assert list(body) == ["attributes", *field_names(version.resource)], version.resource
        assert body["attributes"] == {
            "type": version.resource,
            "url": f"/services/data/v62.0/sobjects/{version.resource}/{version.id}",
        }
        assert body["Id"] == version.id
        assert _valid_id(version.id, version.resource)
    for resource in RESOURCES:
        described = describe(resource)
        assert [f["name"] for f in described["fields"]] == [f.name for f in FIELDS[resource]]
        assert described["keyPrefix"] == KEY_PREFIXES[resource]
    assert "Health_Score__c" not in field_names("Account")
    assert "IsDeleted" not in field_names("User")  # Users are deactivated, never deleted


def test_values_are_typed_like_the_api(world: World) -> None:
    types = {resource: {f.name: f for f in fields} for resource, fields in FIELDS.items()}
    for version in world.salesforce.versions:
        body = version.body
        assert body is not None
        for name, value in body.items():
            if name == "attributes" or value is None:
                continue
            field = types[version.resource][name]
            assert value is not None or field.nillable
            if field.type == "datetime":
                assert DATETIME.match(value), (name, value)
            elif field.type == "date":
                assert DATE.match(value), (name, value)
            elif field.type == "boolean":
                assert isinstance(value, bool)
            elif field.type in ("currency", "double", "percent"):
                assert isinstance(value, float), (name, value)
            elif field.type == "int":
                assert isinstance(value, int)
                assert not isinstance(value, bool)
            elif field.type == "reference":
                assert _valid_id(value), (name, value)
            elif field.type == "picklist" and field.picklist:
                assert value in field.picklist, (name, value)
            else:
                assert isinstance(value, str)


def test_audit_fields_and_system_modstamp(world: World) -> None:
    """valid_from is SystemModstamp, except for formula/schema-only versions (no bump)."""
    no_bump = 0
    for version in world.salesforce.versions:
        body = version.body
        assert body is not None
        stamp = _epoch(body["SystemModstamp"])
        assert stamp <= version.valid_from
        no_bump += stamp < version.valid_from
        assert _epoch(body["CreatedDate"]) <= _epoch(body["LastModifiedDate"]) <= stamp
        assert version.valid_from >= world.timeline.start
    assert no_bump > 0
    imported = [
        v.body for v in world.salesforce.versions if v.body and _epoch(v.body["CreatedDate"]) < world.timeline.start
    ]
    assert imported, "records from before the history keep their original CreatedDate"


def test_opportunities_follow_the_sales_process(world: World) -> None:
    latest = _latest(world.salesforce.versions)
    opportunities = [b for b in latest.values() if b["attributes"]["type"] == "Opportunity"]
    stages = Counter(b["StageName"] for b in opportunities)
    assert stages["Closed Won"]
    assert stages["Closed Lost"]
    assert any(stage not in ("Closed Won", "Closed Lost") for stage in stages)
    assert {b["Type"] for b in opportunities} >= {"New Business", "Renewal", "Expansion"}
    for body in opportunities:
        assert body["IsClosed"] == body["StageName"].startswith("Closed")
        assert body["IsWon"] == (body["StageName"] == "Closed Won")
        assert body["ForecastCategoryName"] == STAGE_INFO[body["StageName"]][1]
        if body["Amount"] is not None:
            assert body["ExpectedRevenue"] == round(body["Amount"] * body["Probability"] / 100, 2)
        assert body["FiscalYear"] == int(body["CloseDate"][:4])
        assert latest[body["AccountId"]]["attributes"]["type"] == "Account"
        assert latest[body["OwnerId"]]["attributes"]["type"] == "User"
    won_new = [b for b in opportunities if b["IsWon"] and b["Type"] == "New Business"]
    assert all(
        latest[b["AccountId"]]["Type"] in ("Customer - Direct", "Customer - Channel")
        for b in won_new
        if not latest[b["AccountId"]]["IsDeleted"]
    )


def test_every_account_id_the_other_systems_mention_exists(world: World, other_world: World) -> None:
    for w in (world, other_world):
        accounts = {v.id for v in w.salesforce.versions if v.resource == "Account"}
        by_prefix = {a[:15] for a in accounts}
        assert {c.salesforce_account_id for c in w.core.companies} <= accounts
        for customer in w.stripe.ledger.customers.values():
            for key in ("salesforce_account_id", "sfdc_account_id"):
                if key in customer.metadata:
                    assert customer.metadata[key][:15] in by_prefix
        for org in w.zendesk.organizations:
            if org.values["external_id"]:
                assert org.values["external_id"][:15] in by_prefix


def test_identifier_chaos(world: World, other_world: World) -> None:
    for w in (world, other_world):
        records = w.salesforce.records
        ledger = w.stripe.ledger
        latest = _latest(w.salesforce.versions)
        accounts = [r for r in records.values() if r.resource == "Account"]
        per_company = Counter(r.company_id for r in accounts)
        assert any(n > 1 for n in per_company.values()), "duplicate accounts"
        dups = [r for r in accounts if "duplicate" in r.chaos]
        assert any(
            latest[r.id]["Name"].strip()
            != latest[w.core.company_by_id[r.company_id].salesforce_account_id]["Name"].strip()
            for r in dups
        )
        merged = [latest[r.id] for r in accounts if "merged_away" in r.chaos]
        assert merged
        assert all(b["IsDeleted"] and b["MasterRecordId"] for b in merged)
        links = {r.id: latest[r.id]["Stripe_Customer_Id__c"] for r in accounts}
        right = sum(
            1
            for r in accounts
            if links[r.id] in ledger.customers and ledger.customers[links[r.id]].company_id == r.company_id
        )
        wrong = [
            r
            for r in accounts
            if links[r.id] in ledger.customers and ledger.customers[links[r.id]].company_id != r.company_id
        ]
        padded = [r for r in accounts if links[r.id] and links[r.id] != links[r.id].strip()]
        missing = [r for r in accounts if "link_missing" in r.chaos]
        assert right > 3 * len(wrong) > 0
        assert padded
        assert missing
        contacts = [latest[r.id] for r in records.values() if r.resource == "Contact"]
        emails = [b["Email"] for b in contacts]
        assert any(e is None for e in emails)
        assert any(e and e.strip().split("@")[1].lower() in FREE_MAIL_DOMAINS for e in emails)
        assert any(e and (e != e.strip() or e != e.lower()) for e in emails)
        assert any("generic_mailbox" in r.chaos for r in records.values())
        person_contacts = Counter(r.person_id for r in records.values() if r.resource == "Contact" and r.person_id)
        assert any(n > 1 for n in person_contacts.values()), "duplicate contacts"
    chaos = Counter(c for w in (world, other_world) for r in w.salesforce.records.values() for c in r.chaos)
    for tag in (
        "stale_name",
        "renamed",
        "link_mirrors_wrong_metadata",
        "link_stale",
        "mass_transfer",
        "reparented",
        "cascade_deleted",
        "undeleted",
    ):
        assert chaos[tag], tag


def test_renamed_companies_keep_their_old_name_somewhere(world: World, other_world: World) -> None:
    found = False
    for w in (world, other_world):
        latest = _latest(w.salesforce.versions)
        for company in w.core.companies:
            account = latest.get(company.salesforce_account_id)
            if (
                company.former_name
                and account
                and company.renamed_at
                and company.renamed_at.timestamp() < w.timeline.anchor
            ):
                found = found or company.former_name.lower() in account["Name"].lower()
    assert found


def test_deletions_stay_visible_with_is_deleted(world: World) -> None:
    deleted = [v for v in world.salesforce.versions if v.body and v.body.get("IsDeleted")]
    assert {v.resource for v in deleted} >= {"Account", "Contact", "Opportunity"}
    for rec in world.salesforce.records.values():
        flags = [d for _, d in rec.deletions]
        assert all(a != b for a, b in itertools.pairwise(flags))
        assert ("undeleted" in rec.chaos) == (flags[:2] == [True, False])
        assert rec.is_deleted == (bool(flags) and flags[-1])


def test_many_records_share_a_system_modstamp(world: World) -> None:
    by_stamp: dict[int, set[str]] = defaultdict(set)
    resources_by_stamp: dict[int, set[str]] = defaultdict(set)
    for version in world.salesforce.versions:
        assert version.body is not None
        if _epoch(version.body["SystemModstamp"]) == version.valid_from:
            by_stamp[version.valid_from].add(version.id)
            resources_by_stamp[version.valid_from].add(version.resource)
    ties = [s for s, ids in by_stamp.items() if len(ids) > 1]
    assert len(ties) > 20
    assert max(len(ids) for ids in by_stamp.values()) >= 100  # bulk import batches
    assert any(len(r) > 1 for r in resources_by_stamp.values())  # e.g. merge + reparented children
    nightly = [s for s in ties if s % DAY == 2 * 3600]
    assert nightly, "the nightly Stripe sync links several accounts in one second"


def test_formula_field_changes_without_system_modstamp(world: World) -> None:
    previous: dict[str, dict[str, Any]] = {}
    formula_only = []
    for version in world.salesforce.versions:
        body = version.body
        assert body is not None
        before = previous.get(version.id)
        if before is not None and version.resource == "Account":
            changed = {k for k in body if body[k] != before[k]}
            if changed == {"Days_Since_Last_Activity__c"}:
                formula_only.append(version)
                assert body["SystemModstamp"] == before["SystemModstamp"]
                assert body["LastModifiedDate"] == before["LastModifiedDate"]
        previous[version.id] = body
    assert formula_only
    assert all(v.valid_from % DAY == 0 for v in formula_only)
    assert any(v.valid_from > world.timeline.anchor for v in formula_only)
    body = formula_only[-1].body
    assert body is not None
    later = SalesforceView.with_formulas(body, formula_only[-1].valid_from + 3 * DAY)
    assert later["Days_Since_Last_Activity__c"] == body["Days_Since_Last_Activity__c"] + 3
    assert later["SystemModstamp"] == body["SystemModstamp"]


def test_activity_bumps_system_modstamp_but_not_last_modified(world: World) -> None:
    system_only = 0
    previous: dict[str, dict[str, Any]] = {}
    for version in world.salesforce.versions:
        body = version.body
        assert body is not None
        before = previous.get(version.id)
        if (
            before is not None
            and body["LastActivityDate"] != before.get("LastActivityDate")
            and body["LastModifiedDate"] == before["LastModifiedDate"]
        ):
            system_only += body["SystemModstamp"] != before["SystemModstamp"]
        previous[version.id] = body
    assert system_only > 10


@pytest.fixture(scope="module")
def drifted(world: World) -> World:
    return build_world(dataclasses.replace(world.config, health_score_after_hours=6))


def test_health_score_schema_drift(drifted: World, world: World) -> None:
    view = drifted.salesforce
    at = drifted.timeline.anchor + 6 * 3600
    assert view.health_score_at == at
    assert "Health_Score__c" not in [f["name"] for f in view.describe("Account", at - 1)["fields"]]
    assert "Health_Score__c" in [f["name"] for f in view.describe("Account", at)["fields"]]
    accounts = [v for v in view.versions if v.resource == "Account"]
    assert all(("Health_Score__c" in v.body) == (v.valid_from >= at) for v in accounts if v.body)
    assert all(list(v.body) == ["attributes", *view.field_names("Account", v.valid_from)] for v in accounts if v.body)
    schema_only = [v for v in accounts if v.valid_from == at and v.body]
    assert schema_only
    assert all(v.body["Health_Score__c"] is None for v in schema_only)
    assert all(_epoch(v.body["SystemModstamp"]) < at for v in schema_only)
    scored = _latest(accounts)
    backfilled = [b for b in scored.values() if not b["IsDeleted"] and view.records[b["Id"]].created < at]
    assert backfilled
    assert all(isinstance(b["Health_Score__c"], float) for b in backfilled)
    stamps = Counter(
        v.valid_from
        for v in accounts
        if v.valid_from > at
        and v.body
        and _epoch(v.body["SystemModstamp"]) == v.valid_from
        and v.body["Health_Score__c"] is not None
    )
    assert max(stamps.values()) > 50  # the backfill writes whole batches in one second
    assert not any("Health_Score__c" in (v.body or {}) for v in world.salesforce.versions)


def test_health_score_config_is_validated() -> None:
    from acme_world import WorldConfig

    with pytest.raises(ValueError, match="health_score_after_hours"):
        WorldConfig(future_hours=48, health_score_after_hours=49)
    assert WorldConfig(health_score_after_hours=-24).health_score_after_hours == -24
    assert WorldConfig(anchor=datetime(2025, 1, 1, tzinfo=UTC)).resolved().health_score_after_hours is None
