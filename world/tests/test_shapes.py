"""Emitted Stripe objects have the real API's (2025-03-31.basil) field names, types and ids."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from acme_world import World
from acme_world.stripe import RESOURCES

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = REPO_ROOT.parent / "shared" / "reference" / "stripe" / "fixtures3.json"
PREFIXES = {
    "customer": "cus_",
    "product": "prod_",
    "price": "price_",
    "subscription": "sub_",
    "invoice": "in_",
    "charge": "ch_",
    "refund": "re_",
}


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    assert FIXTURES.exists(), f"Stripe reference fixtures (shared/) not found at {FIXTURES}"
    resources: dict[str, Any] = json.loads(FIXTURES.read_text())["resources"]
    return resources


@pytest.fixture(scope="module")
def examples(world: World) -> dict[str, dict[str, Any]]:
    """One body of each kind, taken from the world."""
    found: dict[str, dict[str, Any]] = {}
    for version in world.stripe.versions:
        if version.body is not None:
            found.setdefault(version.resource, version.body)
    invoice = next(v.body for v in world.stripe.versions if v.resource == "invoice" and v.body and v.body["discounts"])
    found["line_item"] = invoice["lines"]["data"][0]
    found["subscription_item"] = found["subscription"]["items"]["data"][0]
    found["event"] = world.stripe.events[-1]
    found["discount"] = next(iter(world.stripe.discounts.values()))
    found["coupon"] = next(iter(world.stripe.coupons.values()))
    return found


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object"}.get(type(value), "null")


@pytest.mark.parametrize(
    "resource",
    [
        "customer",
        "product",
        "price",
        "subscription",
        "subscription_item",
        "invoice",
        "line_item",
        "charge",
        "refund",
        "event",
        "discount",
        "coupon",
    ],
)
def test_key_sets_and_types_match_reference(
    resource: str, reference: dict[str, Any], examples: dict[str, dict[str, Any]]
) -> None:
    ours, theirs = examples[resource], reference[resource]
    assert set(ours) == set(theirs)
    for key, value in theirs.items():
        if value is not None and ours[key] is not None:
            assert _json_type(ours[key]) == _json_type(value), key


def test_every_resource_is_present_with_its_id_prefix(world: World) -> None:
    seen = {v.resource for v in world.stripe.versions}
    assert seen == set(RESOURCES)
    for version in world.stripe.versions:
        assert version.id.startswith(PREFIXES[version.resource])
        if version.body is not None:
            assert version.body["id"] == version.id
            assert version.body["object"] == version.resource


def test_basil_specifics(world: World) -> None:
    charges = [v.body for v in world.stripe.versions if v.resource == "charge" and v.body]
    assert all("invoice" not in c and c["payment_intent"].startswith("pi_") for c in charges)
    assert {c["status"] for c in charges} == {"succeeded", "failed"}
    invoices = [v.body for v in world.stripe.versions if v.resource == "invoice" and v.body]
    for invoice in invoices:
        assert invoice["parent"]["type"] == "subscription_details"
        assert invoice["parent"]["subscription_details"]["subscription"].startswith("sub_")
        lines = invoice["lines"]
        assert lines["object"] == "list"
        assert lines["total_count"] == len(lines["data"])
        for line in lines["data"]:
            details = line["parent"]["subscription_item_details"]
            assert line["parent"]["type"] == "subscription_item_details"
            assert details["subscription_item"].startswith("si_")
            assert isinstance(details["proration"], bool)
            assert line["pricing"]["price_details"]["price"].startswith("price_")
            assert line["pricing"]["price_details"]["product"].startswith("prod_")
            assert line["invoice"] == invoice["id"]
            assert set(line["period"]) == {"start", "end"}
            assert all(d["discount"].startswith("di_") for d in line["discount_amounts"])
    subscriptions = [v.body for v in world.stripe.versions if v.resource == "subscription" and v.body]
    for sub in subscriptions:
        for item in sub["items"]["data"]:
            assert item["price"]["object"] == "price"
            assert item["current_period_start"] < item["current_period_end"]
            assert item["quantity"] >= 1
        assert all(d.startswith("di_") for d in sub["discounts"])


def test_events(world: World) -> None:
    events = world.stripe.events
    assert [e["created"] for e in events] == sorted(e["created"] for e in events)
    assert len({e["id"] for e in events}) == len(events)
    assert all(e["id"].startswith("evt_") and e["api_version"] == "2025-03-31.basil" for e in events)
    types = {e["type"] for e in events}
    assert types >= {
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.created",
        "invoice.finalized",
        "invoice.paid",
        "invoice.payment_failed",
        "invoice.voided",
        "charge.succeeded",
        "charge.failed",
        "charge.refunded",
        "refund.created",
        "product.created",
        "product.updated",
        "price.created",
        "price.updated",
    }
    for event in events:
        updated = event["type"].endswith(".updated") or event["type"] == "charge.refunded"
        assert ("previous_attributes" in event["data"]) == updated, event["type"]
        if updated:
            previous = event["data"]["previous_attributes"]
            assert previous
            assert all(event["data"]["object"][k] != v for k, v in previous.items())


def test_versions_sorted_unique_and_created_first(world: World) -> None:
    versions = world.stripe.versions
    keys = [(v.valid_from, v.id) for v in versions]
    assert keys == sorted(keys)
    assert len(set(keys)) == len(keys)
    created_at = {
        e["data"]["object"]["id"]: e["created"]
        for e in world.stripe.events
        if e["type"].endswith(".created") and e["type"] != "customer.subscription.created"
    }
    created_at.update(
        {
            e["data"]["object"]["id"]: e["created"]
            for e in world.stripe.events
            if e["type"] == "customer.subscription.created"
        }
    )
    first: dict[str, int] = {}
    for version in versions:
        first.setdefault(version.id, version.valid_from)
    for object_id, at in first.items():
        if object_id.startswith(("cus_", "sub_", "in_", "prod_", "price_", "re_")):
            assert created_at[object_id] == at
    deleted = [v for v in versions if v.body is None]
    assert deleted
    assert all(v.resource == "customer" for v in deleted)


def test_refunds_and_charges_agree(world: World) -> None:
    latest: dict[str, dict[str, Any]] = {}
    for version in world.stripe.versions:
        if version.body is not None:
            latest[version.id] = version.body
    refunds = [b for b in latest.values() if b["object"] == "refund"]
    assert refunds
    for refund in refunds:
        charge = latest[refund["charge"]]
        assert charge["status"] == "succeeded"
        assert charge["amount_refunded"] == sum(r["amount"] for r in charge["refunds"]["data"])
        assert charge["amount_refunded"] <= charge["amount"]
        assert charge["refunded"] == (charge["amount_refunded"] == charge["amount"])
