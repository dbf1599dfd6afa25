"""singer-sdk standard tap tests against the Zendesk sandbox serving a small AcmeCloud world."""

from __future__ import annotations

import typing as t

import pytest
from singer_sdk.testing import get_tap_test_class
from tap_zendesk.tap import TapZendesk
from zendesk_sandbox import SandboxSettings

# Filled in with the sandbox URL before the suite's single sync runs (see the fixture below).
CONFIG: dict[str, t.Any] = {
    "api_url": "http://127.0.0.1:9",
    "email": SandboxSettings().email,
    "api_token": SandboxSettings().api_token,
    "export_requests_per_minute": 60_000,
    "requests_per_minute": 600_000,
    "max_requests_per_second": 0,
    "retry_backoff_seconds": 0.01,
}

_StandardTests = get_tap_test_class(TapZendesk, config=CONFIG, parse_env_config=False)


class TestTapZendeskStandard(_StandardTests):  # type: ignore[misc,valid-type]
    """The standard suite; every stream returns records from the sandbox."""

    @pytest.fixture(scope="class", autouse=True)
    @classmethod
    def _point_at_sandbox(cls, zendesk_sandbox_url: str) -> None:
        CONFIG["api_url"] = zendesk_sandbox_url
