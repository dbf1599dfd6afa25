"""Salesforce API errors the tap tells apart, each failing the run with a message naming the source."""

from __future__ import annotations

import json

import requests
from singer_sdk.exceptions import FatalAPIError

SOURCE = "salesforce"


def error_code(response: requests.Response) -> tuple[str, str]:
    """``(errorCode, message)`` of a Salesforce error body (REST list, or OAuth ``{"error": …}``)."""
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        return "", ""
    if isinstance(body, list) and body and isinstance(body[0], dict):
        return str(body[0].get("errorCode") or ""), str(body[0].get("message") or "")
    if isinstance(body, dict):
        return str(body.get("error") or body.get("errorCode") or ""), str(
            body.get("error_description") or body.get("message") or ""
        )
    return "", ""


class SalesforceRunStopped(FatalAPIError):
    """The run stopped on purpose or on an error it must not retry; state stays at the last bookmark."""

    def __init__(self, stream: str, reason: str) -> None:
        super().__init__(
            f"{SOURCE}: stream {stream}: {reason}; the run stopped and the stream's state was left where it was"
        )


class QueryTimeoutError(SalesforceRunStopped):
    """Salesforce gave up on a query (``QUERY_TIMEOUT``), over REST or in a Bulk API job."""


class RequestLimitExceededError(SalesforceRunStopped):
    """The org's daily API allocation is spent (403 ``REQUEST_LIMIT_EXCEEDED``)."""


class ApiShareExceededError(SalesforceRunStopped):
    """The next request would take the org past ``max_api_usage_share`` of its daily allocation."""


class BulkJobError(SalesforceRunStopped):
    """A Bulk API 2.0 query job failed, was aborted, timed out, or returned fewer rows than it processed."""


class QueryRejectedError(SalesforceRunStopped):
    """Salesforce refused a query the tap built (``MALFORMED_QUERY``, ``INVALID_FIELD`` …)."""
