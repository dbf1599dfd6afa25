"""Fixtures: a tiny hand-made world (same attributes as ``acme_world``) and a live sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from stripe_sandbox import RunningSandbox, SandboxSettings, run_in_thread

ANCHOR = datetime(2024, 6, 1, tzinfo=UTC)
A = int(ANCHOR.timestamp())
DAY = 86_400
KEY = "sk_test_acme_sandbox"


@dataclass(frozen=True)
class ObjectVersion:
    resource: str
    id: str
    valid_from: int
    body: dict[str, Any] | None


@dataclass
class FakeStripe:
    versions: list[ObjectVersion] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class FakeWorld:
    anchor: datetime
    stripe: FakeStripe


class _Builder:
    def __init__(self) -> None:
        self.versions: list[ObjectVersion] = []
        self.events: list[dict[str, Any]] = []
        self._n = 0

    def put(self, resource: str, body: dict[str, Any], at: int | None = None, event: str | None = None) -> None:
        at = body["created"] if at is None else at
        self.versions.append(ObjectVersion(resource, body["id"], at, body))
        if event:
            self.event(event, body, at)

    def delete(self, resource: str, oid: str, at: int, event: str | None = None) -> None:
        self.versions.append(ObjectVersion(resource, oid, at, None))
        if event:
            self.event(event, {"id": oid, "object": resource, "deleted": True}, at)

    def event(self, type_: str, obj: dict[str, Any], at: int) -> None:
        self._n += 1
        self.events.append(
            {
                "id": f"evt_{self._n:05d}",
                "object": "event",
                "type": type_,
                "created": at,
                "data": {"object": obj, "previous_attributes": {}},
                "livemode": False,
            }
        )

    def world(self) -> FakeWorld:
        versions = sorted(self.versions, key=lambda v: (v.valid_from, v.id))
        events = sorted(self.events, key=lambda e: e["created"])
        return FakeWorld(ANCHOR, FakeStripe(versions, events))


def customer(i: int, created: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"cus_{i:04d}",
        "object": "customer",
        "created": created,
        "email": f"c{i}@example.com",
        "name": f"Customer {i}",
        **extra,
    }


def build_fake_world() -> FakeWorld:
    """25 customers (two sharing a `created`), one deleted, subs, invoices, charges, future changes."""
    b = _Builder()
    for i in range(1, 26):
        created = A - i * 2 * DAY if i != 11 else A - 10 * 2 * DAY  # cus_0010/cus_0011 tie
        b.put("customer", customer(i, created), event="customer.created")
    b.put("customer", customer(99, A - 50 * DAY), event="customer.created")
    b.delete("customer", "cus_0099", A - 1000, event="customer.deleted")
    b.put("product", {"id": "prod_1", "object": "product", "created": A - 400 * DAY, "active": True})
    b.put("product", {"id": "prod_2", "object": "product", "created": A - 300 * DAY, "active": False})
    b.put(
        "price",
        {
            "id": "price_1",
            "object": "price",
            "created": A - 400 * DAY,
            "product": "prod_1",
            "active": True,
            "currency": "usd",
            "type": "recurring",
        },
    )
    b.put(
        "price",
        {
            "id": "price_2",
            "object": "price",
            "created": A - 300 * DAY,
            "product": "prod_2",
            "active": False,
            "currency": "usd",
            "type": "recurring",
        },
    )
    statuses = ["active", "active", "canceled", "trialing", "canceled", "active"]
    for i, status in enumerate(statuses, start=1):
        created = A - (20 - i) * DAY
        n_items = 12 if i == 1 else 1
        items = [
            {
                "id": f"si_{i}_{j:02d}",
                "object": "subscription_item",
                "created": created,
                "price": {"id": "price_1", "object": "price"},
                "quantity": 1,
            }
            for j in range(n_items)
        ]
        body = {
            "id": f"sub_{i}",
            "object": "subscription",
            "created": created,
            "customer": f"cus_{i:04d}",
            "status": status,
            "items": {"object": "list", "data": items, "has_more": False, "total_count": n_items},
        }
        b.put("subscription", body, event="customer.subscription.created")
    for i in range(1, 9):
        n_lines = 15 if i == 1 else 2
        lines = [{"id": f"il_{i}_{j:02d}", "object": "line_item", "amount": 100} for j in range(n_lines)]
        b.put(
            "invoice",
            {
                "id": f"in_{i}",
                "object": "invoice",
                "created": A - i * DAY,
                "customer": f"cus_{(i % 3) + 1:04d}",
                "subscription": f"sub_{(i % 3) + 1}",
                "status": "paid" if i % 2 else "open",
                "lines": lines,
            },
            event="invoice.created",
        )
    for i in range(1, 6):
        b.put(
            "charge",
            {
                "id": f"ch_{i}",
                "object": "charge",
                "created": A - i * 3600,
                "customer": "cus_0001",
                "payment_intent": f"pi_{(i + 1) // 2}",
                "status": "failed" if i == 5 else "succeeded",
            },
            event="charge.succeeded",
        )
    b.put(
        "refund",
        {"id": "re_1", "object": "refund", "created": A - 1800, "charge": "ch_1", "payment_intent": "pi_1"},
        event="charge.refunded",
    )
    # The future: a new customer, an update, a new subscription and a deletion.
    b.put("customer", customer(100, A + 3600), event="customer.created")
    b.put("customer", customer(1, A - 2 * DAY, name="Renamed"), at=A + 7200, event="customer.updated")
    b.put(
        "subscription",
        {
            "id": "sub_9",
            "object": "subscription",
            "created": A + 5400,
            "customer": "cus_0100",
            "status": "active",
            "items": {"object": "list", "data": [], "has_more": False},
        },
        event="customer.subscription.created",
    )
    b.delete("customer", "cus_0025", A + 9000, event="customer.deleted")
    return b.world()


@pytest.fixture(scope="session")
def fake_world() -> FakeWorld:
    return build_fake_world()


class Client:
    """A tiny requests wrapper bound to a running sandbox."""

    def __init__(self, running: RunningSandbox, key: str = KEY) -> None:
        self.running = running
        self.url = running.url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {key}"

    def get(self, path: str, **params: Any) -> requests.Response:
        return self.session.get(self.url + path, params=params, timeout=5)

    def ok(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def admin(self, path: str, json: Any = None, **params: Any) -> Any:
        response = requests.post(self.url + path, json=json, params=params, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    def walk(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every object of a list endpoint, paging with starting_after."""
        out: list[dict[str, Any]] = []
        while True:
            page = self.ok(path, **params)
            out.extend(page["data"])
            if not page["has_more"]:
                return out
            params["starting_after"] = page["data"][-1]["id"]


@pytest.fixture
def start(fake_world: FakeWorld) -> Iterator[Any]:
    """``start(**settings)`` serves the fake world; servers stop at teardown."""
    with_stack: list[Any] = []

    def _start(world: Any = None, **settings: Any) -> Client:
        context = run_in_thread(world or fake_world, SandboxSettings(**settings))
        running = context.__enter__()
        with_stack.append(context)
        return Client(running)

    yield _start
    for context in reversed(with_stack):
        context.__exit__(None, None, None)


@pytest.fixture(scope="module")
def client(fake_world: FakeWorld) -> Iterator[Client]:
    """A shared default sandbox for read-only tests (do not move its clock or faults)."""
    with run_in_thread(fake_world, SandboxSettings()) as running:
        yield Client(running)
