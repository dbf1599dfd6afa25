"""singer-sdk standard tap tests against the Salesforce sandbox serving a small AcmeCloud world.

Discovery reads describe from the API, and singer-sdk instantiates the tap while collecting the
tests, so this module serves its own sandbox from import time (stopped at exit).
"""

from __future__ import annotations

import atexit
import contextlib
import typing as t
from datetime import UTC, datetime

from acme_world import WorldConfig, build_world
from salesforce_sandbox import SandboxSettings, run_in_thread, tap_env
from singer_sdk.testing import get_tap_test_class
from tap_salesforce.tap import TapSalesforce

_STACK = contextlib.ExitStack()
atexit.register(_STACK.close)
_WORLD = build_world(WorldConfig(seed=11, scale=0.004, anchor=datetime(2025, 6, 1, tzinfo=UTC)))
_SANDBOX = _STACK.enter_context(run_in_thread(_WORLD, SandboxSettings()))
_ENV = tap_env(_SANDBOX.url)

CONFIG: dict[str, t.Any] = {
    "api_url": _ENV["TAP_SALESFORCE_API_URL"],
    "client_id": _ENV["TAP_SALESFORCE_CLIENT_ID"],
    "client_secret": _ENV["TAP_SALESFORCE_CLIENT_SECRET"],
    "refresh_token": _ENV["TAP_SALESFORCE_REFRESH_TOKEN"],
    "max_requests_per_second": 0,
    "retry_backoff_seconds": 0.01,
}

_StandardTests = get_tap_test_class(TapSalesforce, config=CONFIG, parse_env_config=False)


class TestTapSalesforceStandard(_StandardTests):  # type: ignore[misc,valid-type]
    """The standard suite; every stream returns records from the sandbox."""
