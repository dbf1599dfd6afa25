"""singer-sdk standard tap tests against the Stripe sandbox serving a small AcmeCloud world."""

from __future__ import annotations

import typing as t

import pytest
from singer_sdk.testing import get_tap_test_class
from stripe_sandbox import SandboxSettings
from tap_stripe.tap import TapStripe

# Filled in with the sandbox URL before the suite's single sync runs (see the fixture below).
CONFIG: dict[str, t.Any] = {
    "api_key": SandboxSettings().api_key,
    "api_url": "http://127.0.0.1:9",
    "max_requests_per_second": 0,
    "retry_backoff_seconds": 0.01,
}

_StandardTests = get_tap_test_class(TapStripe, config=CONFIG, parse_env_config=False)


class TestTapStripeStandard(_StandardTests):  # type: ignore[misc,valid-type]
    """The standard suite; every stream returns records from the sandbox."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _point_at_sandbox(cls, stripe_sandbox_url: str) -> None:
        CONFIG["api_url"] = stripe_sandbox_url
