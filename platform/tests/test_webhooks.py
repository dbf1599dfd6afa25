"""Webhook ingress: signature checks, the Lambda handler, and sizing for 150 events/s."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from acme_platform.testing import BuiltStack
from acme_platform.webhook_lambda import handler as wh

SECRET = b"whsec_test_only"
BODY = b'{"id":"evt_1","type":"invoice.payment_failed","data":{"object":{"id":"in_1"}}}'


def stripe_header(body: bytes, secret: bytes, timestamp: int) -> str:
    signed = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={signed},v0=ignored"


def test_stripe_signature() -> None:
    now = time.time()
    good = {"stripe-signature": stripe_header(BODY, SECRET, int(now))}
    assert wh.verify("stripe", good, BODY, [SECRET], now=now)
    assert not wh.verify("stripe", good, BODY + b" ", [SECRET], now=now)
    assert not wh.verify("stripe", good, BODY, [b"other"], now=now)
    old = {"stripe-signature": stripe_header(BODY, SECRET, int(now) - 600)}
    assert not wh.verify("stripe", old, BODY, [SECRET], now=now)  # replay window
    assert not wh.verify("stripe", {}, BODY, [SECRET], now=now)
    # rotation: the previous secret is still accepted
    assert wh.verify("stripe", good, BODY, [b"new", SECRET], now=now)


def test_zendesk_signature() -> None:
    timestamp = "2025-01-01T00:00:00Z"
    signature = base64.b64encode(hmac.new(SECRET, timestamp.encode() + BODY, hashlib.sha256).digest()).decode()
    headers = {
        "x-zendesk-webhook-signature": signature,
        "x-zendesk-webhook-signature-timestamp": timestamp,
    }
    assert wh.verify("zendesk", headers, BODY, [SECRET], now=0)
    assert not wh.verify("zendesk", headers, b"{}", [SECRET], now=0)
    bad = {**headers, "x-zendesk-webhook-signature": "not base64!"}
    assert not wh.verify("zendesk", bad, BODY, [SECRET], now=0)


def test_generic_hmac_signature() -> None:
    digest = hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()
    assert wh.verify("hmac-sha256-hex", {"x-acme-signature": digest}, BODY, [SECRET], now=0, header="X-Acme-Signature")
    assert wh.verify(
        "hmac-sha256-hex", {"x-acme-signature": f"sha256={digest}"}, BODY, [SECRET], now=0, header="X-Acme-Signature"
    )
    assert not wh.verify("hmac-sha256-hex", {}, BODY, [SECRET], now=0, header="X-Acme-Signature")
    assert not wh.verify("unknown-scheme", {}, BODY, [SECRET], now=0)
    assert not wh.verify("stripe", {"stripe-signature": "t=1,v1=x"}, BODY, [], now=1)


def test_record_is_one_jsonl_line_with_an_envelope() -> None:
    line = wh.build_record("stripe", BODY, 1_700_000_000)
    assert line.endswith(b"\n")
    assert line.count(b"\n") == 1
    record = json.loads(line)
    assert record["source"] == "stripe"
    assert record["event_id"] == "evt_1"
    assert record["received_at"] == "2023-11-14T22:13:20Z"
    assert record["payload"]["type"] == "invoice.payment_failed"
    soap = json.loads(wh.build_record("salesforce", b"<soapenv:Envelope/>", 0))
    assert soap["payload"] is None
    assert soap["raw_body"] == "<soapenv:Envelope/>"


class FakeFirehose:
    def __init__(self) -> None:
        self.records: list[tuple[str, bytes]] = []

    def put_record(self, DeliveryStreamName: str, Record: dict[str, bytes]) -> None:
        self.records.append((DeliveryStreamName, Record["Data"]))


class FakeSecrets:
    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        return {"SecretString": json.dumps({"signing_secret": SECRET.decode()})}


@pytest.fixture
def firehose(monkeypatch: pytest.MonkeyPatch) -> FakeFirehose:
    fake = FakeFirehose()
    monkeypatch.setattr(wh, "_clients", {"firehose": fake, "secretsmanager": FakeSecrets()})
    monkeypatch.setattr(wh, "_secret_cache", {})
    monkeypatch.setenv(
        "ACME_WEBHOOK_SOURCES",
        json.dumps({"stripe": {"scheme": "stripe", "stream": "s-stripe", "secret_arn": "arn:s", "header": None}}),
    )
    return fake


def event(source: str, body: bytes, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "pathParameters": {"source": source},
        "headers": headers,
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def test_handler_accepts_signed_events_and_forwards_them(firehose: FakeFirehose) -> None:
    headers = {"Stripe-Signature": stripe_header(BODY, SECRET, int(time.time()))}
    response = wh.handler(event("stripe", BODY, headers), None)
    assert response["statusCode"] == 200
    ((stream, data),) = firehose.records
    assert stream == "s-stripe"
    assert json.loads(data)["event_id"] == "evt_1"


def test_handler_rejects_bad_signatures_and_unknown_sources(firehose: FakeFirehose) -> None:
    headers = {"Stripe-Signature": stripe_header(BODY, b"wrong", int(time.time()))}
    assert wh.handler(event("stripe", BODY, headers), None)["statusCode"] == 401
    assert wh.handler(event("hubspot", BODY, headers), None)["statusCode"] == 404
    assert firehose.records == []


def test_ingress_is_sized_for_150_events_per_second(stack: BuiltStack) -> None:
    (function,) = stack.mocks.of_type("aws:lambda/function:Function")
    assert function.inputs["reservedConcurrentExecutions"] >= 150 * 0.15 * 2  # 2x headroom
    assert function.inputs["timeout"] <= 29  # under the HTTP API integration limit
    (stage,) = stack.mocks.of_type("aws:apigatewayv2/stage:Stage")
    assert stage.inputs["defaultRouteSettings"]["throttlingRateLimit"] >= 150 * 2
    assert stage.inputs["defaultRouteSettings"]["throttlingBurstLimit"] >= 150 * 2
    (route,) = stack.mocks.of_type("aws:apigatewayv2/route:Route")
    assert route.inputs["routeKey"] == "POST /webhooks/{source}"


def test_webhook_events_land_in_the_stage_encrypted(stack: BuiltStack) -> None:
    data_key = stack.mocks.named("data-lake-key").outputs["arn"]
    streams = {
        r.inputs["name"]: r.inputs
        for r in stack.mocks.of_type("aws:kinesis/firehoseDeliveryStream:FirehoseDeliveryStream")
    }
    assert set(streams) == {f"acme-cdp-prod-{s}-webhooks" for s in ("salesforce", "stripe", "zendesk")}
    for name, stream in streams.items():
        source = name.removeprefix("acme-cdp-prod-").removesuffix("-webhooks")
        s3 = stream["extendedS3Configuration"]
        assert s3["prefix"].startswith(f"stage/{source}/webhook_events/")
        assert s3["kmsKeyArn"] == data_key
        assert s3["compressionFormat"] == "GZIP"
        assert s3["bufferingInterval"] <= 300  # minutes of the 15-minute budget stay free
        assert stream["serverSideEncryption"]["enabled"] is True
