"""Webhook receiver: verify the sender's signature, then hand the event to Firehose.

Deployed as a single-file Lambda (stdlib + the boto3 that ships with the runtime) behind
``POST /webhooks/{source}`` of an HTTP API. Firehose batches the records into gzip JSONL
files under ``stage/<source>/webhook_events/`` of the lake bucket, the same layout the
batch loader uses, so Snowflake loads them like any other stage file.

Configuration (environment):
    ACME_WEBHOOK_SOURCES  JSON ``{source: {"scheme", "stream", "secret_arn", "header"}}``

The signing secret is read from Secrets Manager (JSON ``{"signing_secret": "...",
"previous_signing_secret": "..."}`` or a plain string) and cached for five minutes so a
rotation takes effect without a deploy. Responses: 200 accepted, 401 bad signature,
404 unknown source, 413 too large, 5xx on delivery failure (senders retry).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

STRIPE_TOLERANCE_SECONDS = 300
MAX_RECORD_BYTES = 1_000_000  # Firehose record limit is 1,000 KiB
SECRET_TTL_SECONDS = 300

_secret_cache: dict[str, tuple[float, list[bytes]]] = {}
_clients: dict[str, Any] = {}


# ----------------------------------------------------------------------- signatures


def verify_stripe(headers: Mapping[str, str], body: bytes, secrets: list[bytes], now: float) -> bool:
    """``Stripe-Signature: t=<ts>,v1=<hex hmac of "<ts>.<body>">[,v1=...]``."""
    header = headers.get("stripe-signature", "")
    timestamp = ""
    signatures: list[str] = []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if not timestamp.isdigit() or not signatures:
        return False
    if abs(now - int(timestamp)) > STRIPE_TOLERANCE_SECONDS:
        return False
    signed = timestamp.encode() + b"." + body
    for secret in secrets:
        expected = hmac.new(secret, signed, hashlib.sha256).hexdigest()
        if any(hmac.compare_digest(expected, sig) for sig in signatures):
            return True
    return False


def verify_zendesk(headers: Mapping[str, str], body: bytes, secrets: list[bytes], now: float) -> bool:
    """``X-Zendesk-Webhook-Signature``: base64 HMAC-SHA256 of ``<timestamp><body>``."""
    signature = headers.get("x-zendesk-webhook-signature", "")
    timestamp = headers.get("x-zendesk-webhook-signature-timestamp", "")
    if not signature or not timestamp:
        return False
    try:
        given = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    for secret in secrets:
        expected = hmac.new(secret, timestamp.encode() + body, hashlib.sha256).digest()
        if hmac.compare_digest(expected, given):
            return True
    return False


def verify_hmac_hex(headers: Mapping[str, str], body: bytes, secrets: list[bytes], header: str) -> bool:
    """Generic: ``<header>: [sha256=]<hex hmac of body>`` (e.g. a Salesforce Apex callout)."""
    given = headers.get(header.lower(), "").removeprefix("sha256=")
    if not given:
        return False
    return any(hmac.compare_digest(hmac.new(secret, body, hashlib.sha256).hexdigest(), given) for secret in secrets)


def verify(
    scheme: str,
    headers: Mapping[str, str],
    body: bytes,
    secrets: list[bytes],
    *,
    now: float,
    header: str | None = None,
) -> bool:
    verifiers: dict[str, Callable[[], bool]] = {
        "stripe": lambda: verify_stripe(headers, body, secrets, now),
        "zendesk": lambda: verify_zendesk(headers, body, secrets, now),
        "hmac-sha256-hex": lambda: verify_hmac_hex(headers, body, secrets, header or ""),
    }
    check = verifiers.get(scheme)
    return bool(secrets) and check is not None and check()


# ----------------------------------------------------------------------- records


def build_record(source: str, body: bytes, received_at: float) -> bytes:
    """One JSONL line: an envelope around the payload (kept verbatim if not JSON)."""
    try:
        payload: Any = json.loads(body)
        raw = None
    except (UnicodeDecodeError, json.JSONDecodeError):
        payload, raw = None, body.decode("utf-8", errors="replace")
    event_id = payload.get("id") if isinstance(payload, dict) else None
    envelope = {
        "source": source,
        "event_id": event_id,
        "received_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(received_at)),
        "payload": payload,
        "raw_body": raw,
    }
    return json.dumps(envelope, separators=(",", ":")).encode() + b"\n"


# ----------------------------------------------------------------------- AWS glue


def _client(service: str) -> Any:
    if service not in _clients:
        import boto3  # available in the Lambda runtime

        _clients[service] = boto3.client(service)
    return _clients[service]


def _signing_secrets(secret_arn: str) -> list[bytes]:
    cached = _secret_cache.get(secret_arn)
    if cached and time.monotonic() - cached[0] < SECRET_TTL_SECONDS:
        return cached[1]
    value = _client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        parsed = value
    if isinstance(parsed, dict):
        candidates = [parsed.get("signing_secret"), parsed.get("previous_signing_secret")]
    else:
        candidates = [str(parsed)]
    secrets = [c.encode() for c in candidates if isinstance(c, str) and c]
    _secret_cache[secret_arn] = (time.monotonic(), secrets)
    return secrets


def _response(status: int, message: str) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": json.dumps({"message": message}),
    }


def handler(event: Mapping[str, Any], context: object) -> dict[str, Any]:
    sources = json.loads(os.environ["ACME_WEBHOOK_SOURCES"])
    source = (event.get("pathParameters") or {}).get("source", "")
    config = sources.get(source)
    if config is None:
        return _response(404, "unknown source")
    raw_body = event.get("body") or ""
    body = base64.b64decode(raw_body) if event.get("isBase64Encoded") else raw_body.encode()
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    now = time.time()
    secrets = _signing_secrets(config["secret_arn"])
    if not verify(config["scheme"], headers, body, secrets, now=now, header=config.get("header")):
        return _response(401, "invalid signature")
    record = build_record(source, body, now)
    if len(record) > MAX_RECORD_BYTES:
        return _response(413, "event too large")
    _client("firehose").put_record(DeliveryStreamName=config["stream"], Record={"Data": record})
    return _response(200, "accepted")
