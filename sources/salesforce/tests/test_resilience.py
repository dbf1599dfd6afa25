"""Credentials, token expiry, retries under injected faults, full reloads, rate cap, log context."""

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
from tap_salesforce.tap import TapSalesforce
from tap_salesforce.throttle import Throttle

STREAMS = ("accounts", "contacts", "opportunities", "users")
Run = t.Callable[..., t.Any]


def test_wrong_client_secret_exits_nonzero_before_any_state(sandbox_url: str, tmp_path: Path, tap_config: Run) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(tap_config(sandbox_url, client_secret="wrong")))  # noqa: S106
    state = tmp_path / "state.json"
    bookmark = {"replication_key": "SystemModstamp", "replication_key_value": "2025-01-01T00:00:00.000+0000"}
    state.write_text(json.dumps({"bookmarks": {"accounts": bookmark}}))
    proc = subprocess.run(
        [sys.executable, "-m", "tap_salesforce", "--config", str(config), "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    expected = (
        "salesforce: the API rejected the credentials (HTTP 400); "
        "check setting `client_secret` (env TAP_SALESFORCE_CLIENT_SECRET)"
    )
    assert expected in proc.stderr
    assert "invalid_client" in proc.stderr
    assert "STATE" not in proc.stdout
    assert "RECORD" not in proc.stdout


def test_expired_tokens_are_refreshed_and_the_records_match_a_clean_run(
    clean_run: t.Any, start_sandbox: Run, tap_runner: Run, tap_config: Run, sandbox_stats: Run
) -> None:
    sandbox = start_sandbox(token_max_uses=4)
    refreshed = tap_runner(tap_config(sandbox.url))
    for stream in STREAMS:
        assert refreshed.by_id(stream) == clean_run.by_id(stream), stream
    seen = sandbox_stats(sandbox.url)
    assert seen["events"]["invalid_session"] >= 2
    assert seen["tokens_issued"] == seen["events"]["invalid_session"] + 1


def test_faults_are_retried_and_the_records_match_a_clean_run(
    clean_run: t.Any, start_sandbox: Run, tap_runner: Run, tap_config: Run, sandbox_stats: Run
) -> None:
    sandbox = start_sandbox(
        seed=6,
        error_rate=0.15,
        truncated_rate=0.1,
        timeout_rate=0.04,
        timeout_seconds=2,
        fail_first_n_requests={"/services/data/v62.0/queryAll": 1},
        fail_first_status=429,
    )
    faulty = tap_runner(tap_config(sandbox.url, request_timeout_seconds=1, max_retries=10, page_size=20))
    for stream in STREAMS:
        assert faulty.by_id(stream) == clean_run.by_id(stream), stream
    injected = json.dumps(sandbox_stats(sandbox.url)["faults_injected"])
    for kind in ("rate_limit", "error_5", "truncated", "timeout"):
        assert kind in injected, f"no {kind} fault was injected: {injected}"


def test_full_reload_ignores_state_and_activates_a_version(
    clean_run: t.Any, sandbox_url: str, tap_runner: Run, tap_config: Run
) -> None:
    full = tap_runner(tap_config(sandbox_url, full_reload=True), state=clean_run.final_state)
    assert full.by_id("accounts") == clean_run.by_id("accounts")
    versions = full.of_type("ACTIVATE_VERSION")
    assert [m["stream"] for m in versions] == [s for s in STREAMS for _ in range(2)]
    assert len({m["version"] for m in versions}) == 1
    assert "replication_key_value" not in full.final_state["bookmarks"].get("accounts", {})


def test_retry_after_is_honoured_and_capped(sandbox_url: str, tap_config: Run) -> None:
    tap = TapSalesforce(config=tap_config(sandbox_url, retry_max_wait_seconds=30), parse_env_config=False)
    waits = tap.streams["accounts"].backoff_wait_generator()
    waits.send(None)
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "7"
    assert waits.send(RetriableAPIError("slow down", response)) == 7
    response.headers["Retry-After"] = "120"
    assert waits.send(RetriableAPIError("slow down", response)) == 30


def test_throttle_spaces_requests() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    throttle = Throttle(4, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        throttle.acquire()
    assert slept == pytest.approx([0.25, 0.25, 0.25, 0.25])


def test_logs_carry_source_stream_and_run(
    sandbox_url: str,
    tap_runner: Run,
    tap_config: Run,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_RUN_ID", "run-test-42")
    with caplog.at_level(logging.INFO):
        tap_runner(tap_config(sandbox_url))
    tagged = [r for r in caplog.records if getattr(r, "stream", None) == "accounts"]
    assert any("read over rest" in r.getMessage() for r in tagged)
    assert {getattr(r, "source", None) for r in tagged} == {"salesforce"}
    assert {getattr(r, "run_id", None) for r in tagged} == {"run-test-42"}
