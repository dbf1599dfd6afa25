"""The sandbox clock (advance shows the world's future) and signed webhook delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from stripe_sandbox.webhooks import verify

from .conftest import A, Client

SECRET = "whsec_test_secret"  # noqa: S105 - a test signing secret


def test_clock_starts_at_anchor_and_advance_reveals_the_future(start: Any) -> None:
    client: Client = start()
    info = requests.get(client.url + "/_sandbox/clock", timeout=5).json()
    assert info["clock"] == A
    assert info["world_end"] == A + 9000
    assert client.get("/v1/customers/cus_0100").status_code == 404
    events_before = {e["id"] for e in client.walk("/v1/events", limit=100)}

    moved = client.admin("/_sandbox/advance", hours=1)
    assert moved["clock"] == A + 3600
    assert moved["new_events"] == 1
    assert client.ok("/v1/customers/cus_0100")["id"] == "cus_0100"
    assert client.ok("/v1/customers", limit=1)["data"][0]["id"] == "cus_0100"
    new_events = client.walk("/v1/events", limit=100, **{"created[gt]": A})
    assert [e["type"] for e in new_events] == ["customer.created"]
    assert new_events[0]["id"] not in events_before

    moved = client.admin("/_sandbox/advance", seconds=6000)
    assert moved["new_events"] == 3
    assert client.ok("/v1/customers/cus_0001")["name"] == "Renamed"
    assert client.ok("/v1/customers/cus_0025")["deleted"] is True
    ids = {c["id"] for c in client.walk("/v1/customers", limit=100)}
    assert "cus_0025" not in ids
    assert len(ids) == 25
    assert [s["id"] for s in client.walk("/v1/subscriptions", customer="cus_0100")] == ["sub_9"]

    back = client.admin("/_sandbox/clock", json={"to": A})
    assert back["rebuilt"] is True
    assert client.ok("/v1/customers/cus_0001")["name"] == "Customer 1"
    assert client.get("/v1/customers/cus_0100").status_code == 404


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]]
    fail_first: int

    def do_POST(self) -> None:
        payload = self.rfile.read(int(self.headers["Content-Length"]))
        server: Any = self.server
        if server.fail_first > 0:
            server.fail_first -= 1
            self.send_response(500)
        else:
            server.received.append((payload, self.headers["Stripe-Signature"]))
            self.send_response(200)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Any]:
    server: Any = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    server.fail_first = 1
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_webhooks_are_signed_ordered_and_retried(start: Any, receiver: Any) -> None:
    url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
    client: Client = start(webhook_url=url, webhook_secret=SECRET, webhook_retry_backoff_seconds=0.01)
    moved = client.admin("/_sandbox/advance", hours=3)
    assert moved["webhooks_queued"] == 4
    deadline = time.monotonic() + 10
    while len(receiver.received) < 4 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(receiver.received) == 4
    events = [json.loads(payload) for payload, _ in receiver.received]
    assert [e["type"] for e in events] == [
        "customer.created",
        "customer.subscription.created",
        "customer.updated",
        "customer.deleted",
    ]
    for payload, signature in receiver.received:
        stamp, v1 = (part.split("=", 1)[1] for part in signature.split(","))
        expected = hmac.new(SECRET.encode(), f"{stamp}.".encode() + payload, hashlib.sha256)
        assert v1 == expected.hexdigest()
        assert abs(int(stamp) - time.time()) < 60
        assert verify(payload, signature, SECRET)
        assert not verify(payload, signature, "whsec_other")
    status = requests.get(client.url + "/_sandbox/webhooks", timeout=5).json()
    assert status["delivered"] == 4
    assert status["failed"] == 0
    assert status["attempts"] == 5  # the first delivery was retried once
