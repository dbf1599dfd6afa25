"""Credential errors, retries under injected faults, full reloads, unchanged records, logs."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import requests
from singer_sdk.exceptions import RetriableAPIError
from tap_stripe.tap import TapStripe
from tap_stripe.throttle import Throttle

OBJECT_STREAMS = ("customers", "products", "prices", "subscriptions", "invoices", "charges", "refunds")
ALL_STREAMS = {*OBJECT_STREAMS, "subscription_items", "invoice_line_items", "events"}


def test_wrong_api_key_exits_nonzero_before_any_state(stripe_sandbox_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"api_key": "sk_test_wrong", "api_url": stripe_sandbox_url}))
    state = tmp_path / "state.json"
    bookmark = {"replication_key": "_sdc_cursor", "replication_key_value": 1_700_000_000}
    state.write_text(json.dumps({"bookmarks": {"customers": bookmark}}))
    proc = subprocess.run(
        [sys.executable, "-m", "tap_stripe", "--config", str(config), "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    expected = "stripe: the API rejected the credentials (HTTP 401); check setting `api_key` (env TAP_STRIPE_API_KEY)"
    assert expected in proc.stderr
    assert "STATE" not in proc.stdout
    assert "RECORD" not in proc.stdout


def test_faults_are_retried_and_the_records_match_a_clean_run(
    clean_run: t.Any, start_stripe_sandbox: t.Callable, tap_runner: t.Callable, tap_config: t.Callable
) -> None:
    sandbox = start_stripe_sandbox(
        seed=5,
        error_rate=0.15,
        truncated_rate=0.2,
        timeout_rate=0.03,
        timeout_seconds=3,
        fail_first_n_requests={"/v1/customers": 1, "/v1/invoices": 1},
        fail_first_status=429,
    )
    faulty = tap_runner(tap_config(sandbox.url, request_timeout_seconds=1, max_retries=8))
    faults = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()
    for stream in ALL_STREAMS:
        assert faulty.by_key(stream) == clean_run.by_key(stream), stream
    injected = json.dumps(faults)
    for kind in ("rate_limit", "error_5", "truncated", "timeout"):
        assert kind in injected, f"no {kind} fault was injected: {injected}"


def test_full_reload_reads_everything_and_activates_versions(
    clean_run: t.Any, stripe_sandbox_url: str, tap_runner: t.Callable, tap_config: t.Callable
) -> None:
    # reconcile_partitions = 1: every list in full (the partitioned daily read: test_reconcile.py)
    config = tap_config(stripe_sandbox_url, full_reload=True, reconcile_partitions=1)
    full = tap_runner(config, state=clean_run.final_state)
    for stream in ALL_STREAMS:
        assert full.by_key(stream) == clean_run.by_key(stream), stream
    versions = full.of_type("ACTIVATE_VERSION")
    assert {m["stream"] for m in versions} == ALL_STREAMS
    for stream in ALL_STREAMS:
        mine = [m for m in versions if m["stream"] == stream]
        assert len(mine) == 2, f"{stream}: one opening and one closing ACTIVATE_VERSION"
        assert len({m["version"] for m in mine}) == 1
        assert all("scope" not in m for m in mine), "a whole-stream snapshot carries no scope"
    assert all("replication_key_value" not in s for s in full.final_state["bookmarks"].values())
    assert not clean_run.of_type("ACTIVATE_VERSION")


def test_child_schema_is_sent_once(clean_run: t.Any) -> None:
    schemas = [m["stream"] for m in clean_run.of_type("SCHEMA")]
    assert sorted(schemas) == sorted(ALL_STREAMS)


def test_records_are_the_api_objects_unchanged(
    clean_run: t.Any, stripe_sandbox_url: str, tap_config: t.Callable
) -> None:
    headers = {"Authorization": f"Bearer {tap_config(stripe_sandbox_url)['api_key']}"}
    for stream, resource in (("customers", "customers"), ("invoices", "invoices"), ("charges", "charges")):
        for record in clean_run.records(stream)[:5]:
            url = f"{stripe_sandbox_url}/v1/{resource}/{record['id']}"
            api_object = requests.get(url, headers=headers, timeout=10).json()
            assert {k: v for k, v in record.items() if k != "_sdc_cursor"} == api_object
            assert record["_sdc_cursor"] == api_object["created"]
    lines = clean_run.records("invoice_line_items")
    assert lines
    assert all(line["invoice"].startswith("in_") for line in lines)
    items = clean_run.records("subscription_items")
    assert items
    assert all(item["subscription"].startswith("sub_") for item in items)


def test_properties_missing_from_the_schema_are_kept() -> None:
    tap = TapStripe(config={"api_key": "x"}, parse_env_config=False)
    stream = tap.streams["products"]
    record = {"id": "prod_1", "object": "product", "brand_new_field": {"nested": [1, 2]}, "_sdc_cursor": 1}
    [message] = list(stream._generate_record_messages(dict(record)))
    assert message.record["brand_new_field"] == {"nested": [1, 2]}


def test_every_stream_declares_its_pii() -> None:
    tap = TapStripe(config={"api_key": "x"}, parse_env_config=False)
    pii = {name: stream.pii_properties for name, stream in tap.streams.items()}  # type: ignore[attr-defined]
    assert set(pii) == ALL_STREAMS
    assert {"email", "name", "phone", "address"} <= set(pii["customers"])
    assert "billing_details" in pii["charges"]
    for name, stream in tap.streams.items():
        assert set(pii[name]) <= set(stream.schema["properties"]), name


def test_retry_after_is_honoured_and_capped() -> None:
    tap = TapStripe(config={"api_key": "x", "retry_max_wait_seconds": 30}, parse_env_config=False)
    waits = tap.streams["customers"].backoff_wait_generator()  # type: ignore[attr-defined]
    waits.send(None)
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "7"
    assert waits.send(RetriableAPIError("slow down", response)) == 7
    response.headers["Retry-After"] = "120"
    assert waits.send(RetriableAPIError("slow down", response)) == 30
    assert waits.send(requests.ConnectionError()) == 4.0  # 1 s doubled twice


def test_request_rate_cap(stripe_sandbox_url: str, tap_config: t.Callable) -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        throttle.acquire()
    assert slept == pytest.approx([0.25, 0.25, 0.25, 0.25])
    tap = TapStripe(config=tap_config(stripe_sandbox_url, max_requests_per_second=7.5), parse_env_config=False)
    assert tap.throttle.interval == pytest.approx(1 / 7.5)


def test_logs_carry_source_stream_and_run(
    stripe_sandbox_url: str,
    tap_runner: t.Callable,
    tap_config: t.Callable,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_RUN_ID", "run-test-42")
    with caplog.at_level(logging.INFO):
        tap_runner(tap_config(stripe_sandbox_url))
    tagged = [r for r in caplog.records if getattr(r, "stream", None) == "customers"]
    assert tagged
    assert {getattr(r, "source", None) for r in tagged} == {"stripe"}
    assert {getattr(r, "run_id", None) for r in tagged} == {"run-test-42"}
