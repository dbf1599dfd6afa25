"""The Zendesk view: Support API shapes, ticket life cycles and identifier chaos."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from acme_world import World
from acme_world.model import ObjectVersion
from acme_world.timeline import iso
from acme_world.vocab import FREE_MAIL_DOMAINS
from acme_world.zendesk import FIELDS, RESOURCES
from acme_world.zendesk.fields import CHANNELS, PRIORITIES, SCORES, STATUSES, TYPES

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def _latest(versions: list[ObjectVersion], until: int | None = None) -> dict[tuple[str, str], dict[str, Any]]:
    latest: dict[tuple[str, str], dict[str, Any]] = {}
    for version in versions:
        if until is not None and version.valid_from > until:
            break
        assert version.body is not None
        latest[(version.resource, version.id)] = version.body
    return latest


def _of(latest: dict[tuple[str, str], dict[str, Any]], resource: str) -> list[dict[str, Any]]:
    return [body for (r, _), body in latest.items() if r == resource]


def test_bodies_have_the_api_fields(world: World) -> None:
    versions = world.zendesk.versions
    assert {v.resource for v in versions} == set(RESOURCES)
    assert [(v.valid_from, v.id) for v in versions] == sorted((v.valid_from, v.id) for v in versions)
    for version in versions:
        body = version.body
        assert body is not None
        assert list(body) == list(FIELDS[version.resource]), version.resource
        assert isinstance(body["id"], int)
        assert str(body["id"]) == version.id
        assert TIMESTAMP.match(body["created_at"])
        if version.resource == "ticket_comment":
            assert body["created_at"] == iso(version.valid_from)
        else:
            assert body["updated_at"] == iso(version.valid_from)  # every update bumps updated_at
            assert body["created_at"] <= body["updated_at"]
        if "url" in body:
            assert body["url"].startswith("https://acmecloud.zendesk.com/api/v2/")


def test_values_and_references(world: World) -> None:
    latest = _latest(world.zendesk.versions)
    users = {b["id"]: b for b in _of(latest, "user")}
    orgs = {b["id"]: b for b in _of(latest, "organization")}
    tickets = {b["id"]: b for b in _of(latest, "ticket")}
    assert sorted(tickets) == list(range(1, len(tickets) + 1))  # nice ids, in creation order
    assert [t["created_at"] for _, t in sorted(tickets.items())] == sorted(t["created_at"] for t in tickets.values())
    for ticket in tickets.values():
        assert ticket["status"] in STATUSES
        assert ticket["priority"] in PRIORITIES
        assert ticket["type"] in (*TYPES, None)
        assert ticket["via"]["channel"] in CHANNELS
        assert ticket["satisfaction_rating"]["score"] in SCORES
        assert ticket["requester_id"] in users
        assert ticket["submitter_id"] in users
        assert ticket["assignee_id"] is None or users[ticket["assignee_id"]]["role"] != "end-user"
        assert ticket["organization_id"] is None or ticket["organization_id"] in orgs
        assert ticket["due_at"] is None or ticket["type"] == "task"
        assert {f["id"] for f in ticket["custom_fields"]} == {f["id"] for f in ticket["fields"]}
    for comment in _of(latest, "ticket_comment"):
        assert comment["ticket_id"] in tickets
        assert comment["author_id"] in users
        assert isinstance(comment["public"], bool)
        assert comment["created_at"] >= tickets[comment["ticket_id"]]["created_at"]
    for user in users.values():
        assert user["role"] in ("end-user", "agent", "admin")
        assert user["organization_id"] is None or user["organization_id"] in orgs
        assert user["email"] is None or user["email"] == user["email"].strip().lower()
    descriptions = {c["ticket_id"]: c["body"] for c in sorted(_of(latest, "ticket_comment"), key=lambda c: -c["id"])}
    assert all(descriptions[t["id"]] == t["description"] for t in tickets.values())


def test_references_point_at_live_organizations(world: World, other_world: World) -> None:
    """Users join, and new tickets name, only organizations that exist and are not deleted."""
    for w in (world, other_world):
        orgs: dict[int, dict[str, Any]] = {}
        for version in w.zendesk.versions:
            body = version.body
            assert body is not None
            if version.resource == "organization":
                orgs[body["id"]] = body
                continue
            org_id = body.get("organization_id")
            new_ticket = version.resource == "ticket" and body["created_at"] == body["updated_at"]
            if org_id is not None and (version.resource == "user" or new_ticket):
                assert org_id in orgs
                assert orgs[org_id]["deleted_at"] is None, (version.resource, body["id"])


def test_ticket_life_cycles(world: World) -> None:
    latest = _latest(world.zendesk.versions, world.timeline.anchor)
    tickets = _of(latest, "ticket")
    statuses = Counter(t["status"] for t in tickets)
    assert statuses["closed"] > statuses["solved"] > 0
    assert statuses["deleted"] > 0
    unsolved = sum(statuses[s] for s in ("new", "open", "pending", "hold"))
    assert 0 < unsolved < len(tickets) / 5
    priorities = Counter(t["priority"] for t in tickets)
    assert 0.02 < priorities["urgent"] / len(tickets) < 0.12
    escalated = [t for t in tickets if "escalated" in t["tags"]]
    assert 0.02 < len(escalated) / len(tickets) < 0.15
    assert all(t["group_id"] == 360_000_700_002 for t in escalated)
    scores = Counter(t["satisfaction_rating"]["score"] for t in tickets)
    assert set(scores) == set(SCORES)
    comments = Counter(c["ticket_id"] for c in _of(latest, "ticket_comment"))
    assert 2 < sum(comments.values()) / len(tickets) < 10
    assert any(not c["public"] for c in _of(latest, "ticket_comment"))
    by_ticket: dict[str, list[str]] = defaultdict(list)
    for version in world.zendesk.versions:
        if version.resource == "ticket" and version.body is not None:
            by_ticket[version.id].append(version.body["status"])
    for history in by_ticket.values():
        assert history[0] == "new"
        if "closed" in history:
            assert history[-1] == "closed"
            assert history[-2] == "solved"
        if "deleted" in history:
            assert history[-1] == "deleted"


def test_updates_in_the_same_second(world: World) -> None:
    ticket_updates = Counter(
        v.valid_from
        for v in world.zendesk.versions
        if v.resource == "ticket" and v.body and v.body["status"] == "closed"
    )
    assert max(ticket_updates.values()) > 1  # the hourly automation closes several at once
    per_second = Counter(v.valid_from for v in world.zendesk.versions if v.resource != "ticket_comment")
    assert sum(1 for n in per_second.values() if n > 1) > 50
    org_batches = Counter(v.valid_from for v in world.zendesk.versions if v.resource == "organization")
    assert max(org_batches.values()) > 10  # organizations imported in bulk at go-live


def test_identifier_chaos(world: World, other_world: World) -> None:
    for w in (world, other_world):
        latest = _latest(w.zendesk.versions)
        users = [b for b in _of(latest, "user") if b["role"] == "end-user"]
        assert any(u["email"] is None for u in users)
        assert any(u["email"] and u["email"].split("@")[1] in FREE_MAIL_DOMAINS for u in users)
        assert 0.05 < sum(u["organization_id"] is None for u in users) / len(users) < 0.5
        people = Counter(u.person_id for u in w.zendesk.users if u.person_id)
        assert any(n > 1 for n in people.values()), "one person, several end-users"
        orgs = _of(latest, "organization")
        accounts = {c.salesforce_account_id for c in w.core.companies}
        external = [o["external_id"] for o in orgs]
        assert sum(e in accounts for e in external) > len(orgs) / 2
        assert any(e is None for e in external)
        assert any(e is not None and len(e) == 15 for e in external)
        companies = Counter(o.company_id for o in w.zendesk.organizations)
        assert any(n > 1 for n in companies.values()), "duplicate organizations"
        assert any(not o["domain_names"] for o in orgs)
    stale = 0
    for w in (world, other_world):
        gone = {r.id[:15] for r in w.salesforce.records.values() if r.resource == "Account" and r.is_deleted}
        stale += sum(1 for o in w.zendesk.organizations if (o.values["external_id"] or "")[:15] in gone)
    assert stale, "external ids pointing at accounts Salesforce merged away or deleted"
    chaos = Counter(c for w in (world, other_world) for o in w.zendesk.organizations for c in o.chaos)
    assert chaos["external_id_wrong"]
    assert chaos["deleted"]
    assert chaos["duplicate"]
    user_chaos = Counter(c for w in (world, other_world) for u in w.zendesk.users for c in u.chaos)
    assert user_chaos["name_from_email"]
    assert user_chaos["deleted"]


def test_deleted_organizations_keep_their_body(world: World, other_world: World) -> None:
    found = 0
    for w in (world, other_world):
        latest = _latest(w.zendesk.versions)
        for org in w.zendesk.organizations:
            if org.deleted_at is not None:
                body = latest[("organization", str(org.id))]
                assert body["deleted_at"] == iso(org.deleted_at) == body["updated_at"]
                found += 1
    assert found
