"""Fault injection over real HTTP: 429, 5xx, truncation, timeouts, determinism, stats."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from .conftest import Client


def test_rate_limit_gives_429_with_retry_after(start: Any) -> None:
    client: Client = start(rate_limit_rps=1, rate_limit_burst=2)
    statuses = [client.get("/v1/customers").status_code for _ in range(4)]
    assert statuses[:2] == [200, 200]
    assert statuses[2:] == [429, 429]
    response = client.get("/v1/customers")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) >= 1
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["code"] == "rate_limit"
    assert error["message"].startswith("Request rate limit exceeded.")
    stats = client.running.state.stats.snapshot()
    assert stats["by_path"]["/v1/customers"] == {"200": 2, "429": 3}


def test_truncated_body_breaks_the_read(start: Any) -> None:
    client: Client = start(truncated_rate=1.0)
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        client.get("/v1/customers", limit=100)
    # admin endpoints are never faulted
    assert client.admin("/_sandbox/reset-stats")["total_requests"] == 0


def test_errors_are_stripe_api_errors_and_seeded(start: Any) -> None:
    def statuses(seed: int) -> list[int]:
        client: Client = start(error_rate=0.5, seed=seed)
        return [client.get("/v1/charges").status_code for _ in range(30)]

    first = statuses(7)
    assert first == statuses(7)
    assert first != statuses(8)
    assert set(first) <= {200, 500, 502, 503}
    assert {500, 502, 503} & set(first)
    client: Client = start(error_rate=1.0)
    response = client.get("/v1/charges")
    assert response.json()["error"]["type"] == "api_error"
    assert response.headers["Request-Id"].startswith("req_")


def test_fail_first_n_requests_is_deterministic(start: Any) -> None:
    client: Client = start(fail_first_n_requests={"/v1/invoices": 2}, fail_first_status=503)
    assert [client.get("/v1/invoices").status_code for _ in range(3)] == [503, 503, 200]
    assert client.get("/v1/customers").status_code == 200
    # runtime change: 429s on every path for the next request
    client.admin("/_sandbox/faults", json={"fail_first_n_requests": {"/v1/*": 1}, "fail_first_status": 429})
    first = client.get("/v1/customers")
    assert first.status_code == 429
    assert "Retry-After" in first.headers
    assert client.get("/v1/customers").status_code == 200


def test_timeout_fault_outlasts_client_timeout(start: Any) -> None:
    client: Client = start(timeout_rate=1.0, timeout_seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        client.session.get(client.url + "/v1/customers", timeout=0.2)


def test_runtime_faults_and_stats(start: Any) -> None:
    client: Client = start()
    assert client.ok("/v1/customers")["object"] == "list"
    faults = client.admin("/_sandbox/faults", json={"latency_ms": 20, "error_rate": 0.0})
    assert faults["latency_ms"] == 20
    response = client.get("/v1/customers")
    assert response.elapsed.total_seconds() >= 0.02
    bad = requests.post(client.url + "/_sandbox/faults", json={"api_key": "x"}, timeout=5)
    assert bad.status_code == 400
    client.get("/v1/customers/cus_0001")
    stats = requests.get(client.url + "/_sandbox/stats", timeout=5).json()
    assert stats["total_requests"] == 3
    assert stats["by_path"] == {"/v1/customers": {"200": 2}, "/v1/customers/{id}": {"200": 1}}
    assert stats["requests_per_second"] > 0
    assert client.admin("/_sandbox/faults", json={"reset": True})["latency_ms"] == 0
