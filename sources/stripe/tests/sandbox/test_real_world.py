"""The sandbox over the real generated world (scale 0.01): every list matches the versions."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import acme_world
import pytest
import requests
from stripe_sandbox import SandboxSettings, run_in_thread
from stripe_sandbox.store import RESOURCES

from .conftest import Client

ANCHOR = datetime(2025, 6, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def world() -> Any:
    return acme_world.build_world(acme_world.WorldConfig(seed=42, scale=0.01, anchor=ANCHOR))


@pytest.fixture(scope="module")
def real(world: Any) -> Iterator[Client]:
    with run_in_thread(world, SandboxSettings()) as running:
        yield Client(running)


def expected_state(world: Any, clock: int) -> dict[str, dict[str, Any]]:
    state: dict[str, dict[str, Any]] = {spec.name: {} for spec in RESOURCES.values()}
    for version in world.stripe.versions:
        if version.valid_from > clock:
            break
        if version.body is None:
            state[version.resource].pop(version.id, None)
        else:
            state[version.resource][version.id] = version.body
    return state


def check_lists(client: Client, world: Any, clock: int) -> None:
    state = expected_state(world, clock)
    for plural, spec in RESOURCES.items():
        extra = {"status": "all"} if plural == "subscriptions" else {}
        walked = client.walk(f"/v1/{plural}", limit=100, **extra)
        ids = [obj["id"] for obj in walked]
        assert len(ids) == len(set(ids)), plural
        assert set(ids) == set(state[spec.name]), plural
        for obj in walked[:20]:
            body = state[spec.name][obj["id"]]
            assert obj["created"] == body["created"]
            assert {k: v for k, v in obj.items() if k not in ("items", "lines")} == {
                k: v for k, v in body.items() if k not in ("items", "lines")
            }


def test_lists_match_world_at_anchor_and_after_advance(real: Client, world: Any) -> None:
    anchor = int(ANCHOR.timestamp())
    assert requests.get(real.url + "/_sandbox/clock", timeout=5).json()["clock"] == anchor
    check_lists(real, world, anchor)
    before = {e["id"] for e in real.walk("/v1/events", limit=100, **{"created[gt]": anchor - 3600})}

    moved = real.admin("/_sandbox/advance", hours=48)
    future = [e for e in world.stripe.events if anchor < e["created"] <= anchor + 48 * 3600]
    assert moved["new_events"] == len(future)
    check_lists(real, world, anchor + 48 * 3600)
    after = real.walk("/v1/events", limit=100, **{"created[gt]": anchor})
    assert {e["id"] for e in after} == {e["id"] for e in future}
    assert not before & {e["id"] for e in future}
    real.admin("/_sandbox/clock", json={"to": anchor})


def test_invoice_lines_and_subscription_items_round_trip(real: Client, world: Any) -> None:
    invoice = real.ok("/v1/invoices", limit=1)["data"][0]
    lines = real.walk(f"/v1/invoices/{invoice['id']}/lines", limit=100)
    assert lines == invoice["lines"]["data"]
    sub = real.ok("/v1/subscriptions", limit=1)["data"][0]
    items = real.walk("/v1/subscription_items", subscription=sub["id"])
    assert items == sub["items"]["data"]
