"""Stripe-shaped error bodies and the exception that carries them to a response."""

from __future__ import annotations

import json
from typing import Any

RATE_LIMIT_MESSAGE = (
    "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits."
)
API_ERROR_MESSAGES = {
    500: "An unknown error occurred",
    502: "Bad gateway: the API is temporarily unreachable. Please retry.",
    503: "The API is temporarily unavailable. Please retry.",
}
NO_KEY_MESSAGE = (
    "You did not provide an API key. You need to provide your API key in the Authorization "
    "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See "
    "https://stripe.com/docs/api#authentication for details, or we can help at "
    "https://support.stripe.com/."
)


class StripeError(Exception):
    """An API error that becomes ``{"error": {...}}`` with ``status``."""

    def __init__(
        self,
        status: int,
        message: str,
        type_: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_
        self.code = code
        self.param = param
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        """The Stripe error object."""
        error: dict[str, Any] = {"message": self.message, "type": self.type}
        if self.code:
            error["code"] = self.code
        if self.param:
            error["param"] = self.param
        return {"error": error}

    def body_bytes(self) -> bytes:
        """The error object as JSON bytes."""
        return json.dumps(self.body()).encode()


def mask_key(key: str) -> str:
    """Mask an API key like Stripe does in errors: ``sk_test_****abcd``."""
    prefix = ""
    for candidate in ("sk_test_", "sk_live_", "rk_test_", "rk_live_", "pk_test_", "pk_live_"):
        if key.startswith(candidate):
            prefix = candidate
            break
    tail = key[-4:] if len(key) - len(prefix) > 4 else ""
    stars = "*" * max(4, len(key) - len(prefix) - len(tail))
    return f"{prefix}{stars}{tail}"


def invalid_key(key: str) -> StripeError:
    """401 for a key that is not the configured one."""
    return StripeError(401, f"Invalid API Key provided: {mask_key(key)}")


def missing_key() -> StripeError:
    """401 for a request without any key."""
    return StripeError(401, NO_KEY_MESSAGE)


def rate_limited(retry_after: int) -> StripeError:
    """429 like Stripe's, with a ``Retry-After`` header."""
    return StripeError(
        429,
        RATE_LIMIT_MESSAGE,
        code="rate_limit",
        headers={"Retry-After": str(retry_after), "Stripe-Should-Retry": "true"},
    )


def api_error(status: int) -> StripeError:
    """A 5xx ``api_error``."""
    message = API_ERROR_MESSAGES.get(status, "An unknown error occurred")
    return StripeError(status, message, type_="api_error", headers={"Stripe-Should-Retry": "true"})


def resource_missing(resource: str, object_id: str, param: str = "id") -> StripeError:
    """404 ``No such customer: 'cus_x'``."""
    return StripeError(404, f"No such {resource}: '{object_id}'", code="resource_missing", param=param)


def invalid_param(message: str, param: str) -> StripeError:
    """400 for a bad request parameter."""
    return StripeError(400, message, code="parameter_invalid", param=param)
