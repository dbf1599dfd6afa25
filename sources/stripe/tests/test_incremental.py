"""Delta runs: new, changed and deleted objects after the sandbox clock moves; stale state."""

from __future__ import annotations

import copy
import datetime as dt
import logging
import typing as t
from collections import defaultdict

import pytest
import requests
from acme_world import World
from tap_stripe.tap import TapStripe

DAY = 86_400
STREAM_OF = {
    "customer": "customers",
    "product": "products",
    "price": "prices",
    "subscription": "subscriptions",
    "invoice": "invoices",
    "charge": "charges",
    "refund": "refunds",
}


def _epoch(iso: str) -> int:
    return int(dt.datetime.fromisoformat(iso).timestamp())


def test_delta_after_the_clock_moves_reads_new_changed_and_deleted_objects(
    stripe_world: World,
    start_stripe_sandbox: t.Callable,
    tap_runner: t.Callable,
    tap_config: t.Callable,
    sandbox_admin: t.Callable,
) -> None:
    anchor = int(stripe_world.anchor.timestamp())
    versions = stripe_world.stripe.versions
    deletion = max(v.valid_from for v in versions if v.resource == "customer" and v.body is None)
    assert deletion < anchor
    t0, t1 = deletion - 2 * DAY, deletion + DAY
    sandbox = start_stripe_sandbox(start_clock=t0)
    first = tap_runner(tap_config(sandbox.url))
    sandbox_admin(sandbox.url, "advance", to=t1)
    second = tap_runner(tap_config(sandbox.url), state=first.final_state)

    expected: dict[str, set[str]] = defaultdict(set)
    deleted: dict[str, int] = {}
    for v in versions:
        if t0 < v.valid_from <= t1:
            expected[STREAM_OF[v.resource]].add(v.id)
            if v.body is None:
                deleted[v.id] = v.valid_from
    assert expected["customers"], "the window must hold customer changes"
    assert deleted, "the window must hold a customer deletion"

    headers = {"Authorization": f"Bearer {tap_config(sandbox.url)['api_key']}"}
    for stream, ids in expected.items():
        got = {r["id"]: r for r in second.records(stream)}
        assert ids <= set(got), f"{stream}: missing {sorted(ids - set(got))[:5]}"
        for object_id in ids - set(deleted):
            current = requests.get(f"{sandbox.url}/v1/{stream}/{object_id}", headers=headers, timeout=10).json()
            record = {k: v for k, v in got[object_id].items() if k != "_sdc_cursor"}
            assert record == current, f"{stream} {object_id} is not the current version"
        assert len(got) < len(first.records(stream)) or len(first.records(stream)) < 20, stream

    customers = {r["id"]: r for r in second.records("customers")}
    for object_id, at in deleted.items():
        record = customers[object_id]
        assert record["deleted"] is True
        assert _epoch(record["_sdc_deleted_at"]) == at
        assert record["object"] == "customer"
        assert "email" in record, "the event's object fields are kept"
    live = [r for r in second.records("customers") if r["id"] not in deleted]
    assert all(not r.get("deleted") and "_sdc_deleted_at" not in r for r in live)

    # Children follow their (new or changed) parents; the event log continues from its bookmark.
    changed_subscriptions = {r["id"] for r in second.records("subscriptions")}
    assert {r["subscription"] for r in second.records("subscription_items")} == changed_subscriptions
    changed_invoices = {r["id"] for r in second.records("invoices") if not r.get("deleted")}
    assert {r["invoice"] for r in second.records("invoice_line_items")} <= changed_invoices
    events_bookmark = first.final_state["bookmarks"]["events"]["replication_key_value"]
    assert second.records("events")
    assert all(e["created"] >= events_bookmark for e in second.records("events"))
    for name, bookmark in second.final_state["bookmarks"].items():
        if "replication_key_value" in bookmark:
            before = first.final_state["bookmarks"][name]["replication_key_value"]
            assert before <= bookmark["replication_key_value"] <= t1, name


def test_stale_state_falls_back_to_a_full_read_of_that_stream(
    clean_run: t.Any,
    stripe_sandbox_url: str,
    tap_runner: t.Callable,
    tap_config: t.Callable,
    caplog: pytest.LogCaptureFixture,
) -> None:
    state = copy.deepcopy(clean_run.final_state)
    fresh = state["bookmarks"]["customers"]["replication_key_value"]
    state["bookmarks"]["customers"]["replication_key_value"] = fresh - 31 * DAY
    with caplog.at_level(logging.INFO):
        run = tap_runner(tap_config(stripe_sandbox_url), state=state)
    assert run.by_key("customers") == clean_run.by_key("customers")
    fallbacks = [r for r in caplog.records if "falling back to a full reload of this stream" in r.getMessage()]
    assert [getattr(r, "stream", None) for r in fallbacks] == ["customers"]
    assert "older than the 30-day events window" in fallbacks[0].getMessage()
    assert len(run.records("invoices")) < len(clean_run.records("invoices")), "other streams stay delta"
    assert run.final_state["bookmarks"]["customers"]["replication_key_value"] == fresh


def test_embedded_lists_follow_has_more(clean_run: t.Any, stripe_sandbox_url: str, tap_config: t.Callable) -> None:
    tap = TapStripe(config=tap_config(stripe_sandbox_url), parse_env_config=False)
    cases = (
        ("subscription_items", "subscription", "/v1/subscription_items?subscription={}"),
        ("invoice_line_items", "invoice", "/v1/invoices/{}/lines"),
    )
    for stream_name, parent_key, url in cases:
        rows: dict[str, list[dict[str, t.Any]]] = defaultdict(list)
        for row in clean_run.records(stream_name):
            rows[row[parent_key]].append(row)
        parent_id, full = max(rows.items(), key=lambda item: len(item[1]))
        assert len(full) >= 2, stream_name
        embedded = {"object": "list", "data": full[:1], "has_more": True, "url": url.format(parent_id)}
        stream = tap.streams[stream_name]
        assert list(stream.rows(embedded)) == full, stream_name  # type: ignore[attr-defined]


def test_invoice_lines_get_the_invoice_id_when_absent() -> None:
    tap = TapStripe(config={"api_key": "x"}, parse_env_config=False)
    tap.streams["invoices"].embedded = {  # type: ignore[attr-defined]
        "lines": {"object": "list", "data": [{"id": "il_1", "object": "line_item"}], "has_more": False}
    }
    rows = list(tap.streams["invoice_line_items"].get_records({"invoice": "in_1"}))
    assert rows == [{"id": "il_1", "object": "line_item", "invoice": "in_1"}]
