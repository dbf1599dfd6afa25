"""Salesforce-shaped errors: REST ``[{"message", "errorCode"}]`` and OAuth ``{"error", ...}`` bodies."""

from __future__ import annotations

import json
from typing import Any


class SalesforceError(Exception):
    """An error answered as Salesforce's REST API does: a JSON list of ``{message, errorCode}``."""

    def __init__(self, status: int, error_code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = headers or {}

    def body(self) -> Any:
        """The JSON body."""
        return [{"message": self.message, "errorCode": self.error_code}]

    def body_bytes(self) -> bytes:
        """The JSON body, encoded."""
        return json.dumps(self.body()).encode()


class OAuthError(SalesforceError):
    """An OAuth token endpoint error: ``{"error": ..., "error_description": ...}``."""

    def body(self) -> Any:
        """The JSON body."""
        return {"error": self.error_code, "error_description": self.message}


def malformed(message: str) -> SalesforceError:
    """400 ``MALFORMED_QUERY``."""
    return SalesforceError(400, "MALFORMED_QUERY", message)


def invalid_session() -> SalesforceError:
    """401 ``INVALID_SESSION_ID`` (missing, unknown or expired access token)."""
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def request_limit_exceeded() -> SalesforceError:
    """403 ``REQUEST_LIMIT_EXCEEDED`` (the org's daily API requests are used up)."""
    return SalesforceError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def query_timeout() -> SalesforceError:
    """400 ``QUERY_TIMEOUT``."""
    return SalesforceError(400, "QUERY_TIMEOUT", "Your query request was running for too long.")


def not_found(path: str) -> SalesforceError:
    """404 ``NOT_FOUND``."""
    return SalesforceError(404, "NOT_FOUND", f"The requested resource does not exist: {path}")


def server_error(status: int) -> SalesforceError:
    """A 5xx the fault injector sends."""
    code = "SERVER_UNAVAILABLE" if status == 503 else "UNKNOWN_EXCEPTION"
    return SalesforceError(status, code, "An unexpected error occurred. Please try again later.")


def rate_limited(retry_after: int) -> SalesforceError:
    """429 with ``Retry-After`` (the sandbox's request-rate fault)."""
    return SalesforceError(
        429, "REQUEST_LIMIT_EXCEEDED", "Too many requests; slow down.", headers={"Retry-After": str(retry_after)}
    )
