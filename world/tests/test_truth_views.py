"""Ground truth for the Salesforce and Zendesk views: owners, customers, open escalations."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from acme_world import World
from acme_world.timeline import DAY

UNSOLVED = {"new", "open", "pending", "hold"}


def _as_ofs(world: World) -> list[int]:
    timeline = world.timeline
    return [timeline.anchor, timeline.end, timeline.fraction(0.5), timeline.anchor - 3 * DAY]


def _latest(world: World, as_of: int) -> dict[tuple[str, str, str], dict[str, Any] | None]:
    latest: dict[tuple[str, str, str], dict[str, Any] | None] = {}
    for system, view in (("stripe", world.stripe), ("salesforce", world.salesforce), ("zendesk", world.zendesk)):
        for version in view.versions_between(-1, as_of):
            latest[(system, version.resource, version.id)] = version.body
    return latest


@pytest.mark.parametrize("position", [0, 1, 2])
def test_owners_cover_every_record_exactly(world: World, position: int) -> None:
    as_of = _as_ofs(world)[position]
    truth = world.truth(as_of)
    owned = {(r.system, r.resource, r.record_id) for r in truth.owners}
    assert len(owned) == len(truth.owners)
    emitted = {key for key in _latest(world, as_of) if key[0] != "stripe" or key[1] not in ("product", "price")}
    assert owned == emitted
    assert truth.owners == sorted(truth.owners, key=lambda r: (r.system, r.resource, r.record_id))


def test_owner_people_and_staff(world: World) -> None:
    truth = world.truth(world.timeline.end)
    people = {p.id: p for p in world.core.people}
    companies = world.core.company_by_id
    counts: Counter[tuple[str, str, bool]] = Counter()
    for row in truth.owners:
        counts[(row.system, row.resource, row.person_id is not None)] += 1
        if row.company_id is None:  # AcmeCloud staff
            assert (row.system, row.resource) in (
                ("salesforce", "User"),
                ("zendesk", "user"),
                ("zendesk", "ticket_comment"),
            )
            assert row.person_id is None
            continue
        assert row.company_id in companies
        if row.person_id is not None:
            assert people[row.person_id].company_id == row.company_id
    assert counts[("salesforce", "Contact", True)] > counts[("salesforce", "Contact", False)] > 0
    assert counts[("zendesk", "ticket", True)]
    assert not counts[("zendesk", "ticket", False)]
    assert counts[("zendesk", "ticket_comment", True)]
    assert counts[("zendesk", "ticket_comment", False)]
    staff = {r.record_id for r in truth.owners if r.company_id is None and r.resource == "user"}
    latest = _latest(world, world.timeline.end)
    assert all(latest[("zendesk", "user", u)]["role"] != "end-user" for u in staff)  # type: ignore[index]


def test_owners_agree_with_the_references(world: World) -> None:
    """Where a record points at another (ticket->requester, comment->ticket, opportunity->account),
    the truth agrees: references are right, only the identifiers around them are messy."""
    truth = world.truth(world.timeline.end)
    owner = {(r.system, r.resource, r.record_id): r for r in truth.owners}
    latest = _latest(world, world.timeline.end)
    for (system, resource, record_id), body in latest.items():
        row = owner.get((system, resource, record_id))
        if body is None or row is None:
            continue
        if system == "zendesk" and resource == "ticket":
            requester = owner[("zendesk", "user", str(body["requester_id"]))]
            assert (requester.company_id, requester.person_id) == (row.company_id, row.person_id)
        elif system == "zendesk" and resource == "ticket_comment":
            ticket = owner[("zendesk", "ticket", str(body["ticket_id"]))]
            assert ticket.company_id == row.company_id
        elif system == "salesforce" and resource == "Opportunity":
            assert owner[("salesforce", "Account", body["AccountId"])].company_id == row.company_id


@pytest.mark.parametrize("position", [0, 1, 2, 3])
def test_customers(world: World, position: int) -> None:
    as_of = _as_ofs(world)[position]
    truth = world.truth(as_of)
    latest = _latest(world, as_of)
    owner = {(r.system, r.resource, r.record_id): r.company_id for r in truth.owners}
    with_records = {r.company_id for r in truth.owners if r.company_id is not None}
    assert [c.company_id for c in truth.customers] == sorted(with_records)
    live: dict[str, set[tuple[str, str]]] = {}
    for (system, resource, record_id), body in latest.items():
        if (system, resource) == ("stripe", "customer"):
            alive = body is not None
        elif (system, resource) == ("salesforce", "Account"):
            alive = body is not None and not body["IsDeleted"]
        elif (system, resource) == ("zendesk", "organization"):
            alive = body is not None and body["deleted_at"] is None
        else:
            continue
        company = owner[(system, resource, record_id)]
        assert company is not None
        if alive:
            live.setdefault(company, set()).add((system, record_id))
    for row in truth.customers:
        ids = {("stripe", i) for i in row.stripe_customer_ids}
        ids |= {("salesforce", i) for i in row.salesforce_account_ids}
        ids |= {("zendesk", i) for i in row.zendesk_organization_ids}
        assert ids == live.get(row.company_id, set())
        assert list(row.stripe_customer_ids) == sorted(row.stripe_customer_ids)
    if position == 0:
        multi = [c for c in truth.customers if len(c.salesforce_account_ids) > 1 or len(c.zendesk_organization_ids) > 1]
        assert multi, "some companies have several live records in one system"
        everywhere = [
            c
            for c in truth.customers
            if c.stripe_customer_ids and c.salesforce_account_ids and c.zendesk_organization_ids
        ]
        assert len(everywhere) > len(truth.customers) / 3


def test_open_escalations_match_the_emitted_tickets(world: World, other_world: World) -> None:
    found = 0
    for w in (world, other_world):
        for as_of in _as_ofs(w):
            truth = w.truth(as_of)
            expected = {}
            owners = {
                r.record_id: r.company_id for r in truth.owners if (r.system, r.resource) == ("zendesk", "ticket")
            }
            for (system, resource, record_id), body in _latest(w, as_of).items():
                if (system, resource) != ("zendesk", "ticket") or body is None:
                    continue
                if body["status"] in UNSOLVED and ("escalated" in body["tags"] or body["priority"] == "urgent"):
                    expected[body["id"]] = (
                        owners[record_id],
                        body["organization_id"],
                        body["status"],
                        body["priority"],
                        "escalated" in body["tags"],
                    )
            rows = {
                r.ticket_id: (r.company_id, r.organization_id, r.status, r.priority, r.is_escalated)
                for r in truth.open_escalations
            }
            assert rows == expected
            found += len(rows)
    assert found > 3
    assert world.truth().open_escalations, "the default world has open escalations at its anchor"


def test_write_truth_views(world: World, tmp_path: Path) -> None:
    world.write_truth(tmp_path)
    with (tmp_path / "customers.csv").open() as handle:
        customers = list(csv.DictReader(handle))
    assert list(customers[0]) == [
        "company_id",
        "name",
        "stripe_customer_ids",
        "salesforce_account_ids",
        "zendesk_organization_ids",
    ]
    assert any("|" in row["salesforce_account_ids"] for row in customers)
    assert len(customers) == len(world.truth().customers)
    with (tmp_path / "open_escalations.csv").open() as handle:
        escalations = list(csv.DictReader(handle))
    assert list(escalations[0]) == [
        "ticket_id",
        "company_id",
        "organization_id",
        "status",
        "priority",
        "is_escalated",
        "created_at",
    ]
    with (tmp_path / "owners.csv").open() as handle:
        systems = Counter(row["system"] for row in csv.DictReader(handle))
    assert set(systems) == {"stripe", "salesforce", "zendesk"}
