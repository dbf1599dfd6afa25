"""Zendesk-shaped error bodies and the exception that carries them to a response.

Zendesk answers errors with ``{"error": "<Code>", "description": "<text>"}`` (a plain string
``error`` for authentication: ``{"error": "Couldn't authenticate you"}``).
"""

from __future__ import annotations

from typing import Any

import orjson

EXPORT_LIMIT_MESSAGE = "Number of allowed incremental export API requests per minute exceeded"
ACCOUNT_LIMIT_MESSAGE = "Number of allowed API requests per minute exceeded"


class ZendeskError(Exception):
    """An API error that becomes a Zendesk error body with ``status``."""

    def __init__(
        self,
        status: int,
        error: str,
        description: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description or error)
        self.status = status
        self.error = error
        self.description = description
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The error object."""
        out: dict[str, Any] = {"error": self.error}
        if self.description is not None:
            out["description"] = self.description
        return out

    def body_bytes(self) -> bytes:
        """The error object as JSON bytes."""
        return orjson.dumps(self.body())


def unauthenticated() -> ZendeskError:
    """401 for missing or wrong credentials."""
    return ZendeskError(401, "Couldn't authenticate you", headers={"WWW-Authenticate": 'Basic realm="Web Password"'})


def rate_limited(retry_after: int, export: bool) -> ZendeskError:
    """429 with ``Retry-After`` (whole seconds)."""
    message = EXPORT_LIMIT_MESSAGE if export else ACCOUNT_LIMIT_MESSAGE
    return ZendeskError(429, "APIRateLimitExceeded", message, headers={"Retry-After": str(retry_after)})


def server_error(status: int) -> ZendeskError:
    """A 5xx."""
    return ZendeskError(status, "InternalServerError" if status == 500 else "ServiceUnavailable", "Please retry")


def not_found() -> ZendeskError:
    """404 like Zendesk's."""
    return ZendeskError(404, "RecordNotFound", "Not found")


def invalid_value(description: str) -> ZendeskError:
    """400 for a bad parameter."""
    return ZendeskError(400, "InvalidValue", description)


def invalid_page(description: str) -> ZendeskError:
    """400 for bad cursor-pagination parameters."""
    return ZendeskError(400, "InvalidPaginationParameter", description)
