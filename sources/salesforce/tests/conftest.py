"""Fixtures for the tap tests: a small AcmeCloud world served by the Salesforce sandbox.

The sandbox runs in a thread on an ephemeral loopback port (``salesforce_sandbox.run_in_thread``);
``run_tap`` runs the tap in-process and collects its Singer messages.
"""

from __future__ import annotations

import contextlib
import io
import json
import typing as t
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import requests
from acme_world import World, WorldConfig, build_world
from salesforce_sandbox import RunningSandbox, SandboxSettings, run_in_thread, tap_env
from tap_salesforce.tap import TapSalesforce

ANCHOR = datetime(2025, 6, 1, tzinfo=UTC)
WORLD_CONFIG = WorldConfig(seed=11, scale=0.004, anchor=ANCHOR)
STREAMS = ("accounts", "contacts", "opportunities", "users")


@pytest.fixture(scope="session")
def world() -> World:
    """The world every tap test reads (deterministic)."""
    return build_world(WORLD_CONFIG)


@pytest.fixture(scope="session")
def sandbox_url(world: World) -> Iterator[str]:
    """A sandbox shared by the tests that only read (clock at the anchor, no faults)."""
    with run_in_thread(world, SandboxSettings()) as sandbox:
        yield sandbox.url


@pytest.fixture
def start_sandbox(world: World) -> Iterator[Callable[..., RunningSandbox]]:
    """Start private sandboxes (faults, clock moves, limits); all stop after the test."""
    with contextlib.ExitStack() as stack:

        def start(**settings: t.Any) -> RunningSandbox:
            return stack.enter_context(run_in_thread(world, SandboxSettings(**settings)))

        yield start


def make_config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    """Tap settings for a sandbox: its credentials, fast retries and polls, no rate cap, no lookback."""
    env = tap_env(url)
    config: dict[str, t.Any] = {
        "api_url": env["TAP_SALESFORCE_API_URL"],
        "client_id": env["TAP_SALESFORCE_CLIENT_ID"],
        "client_secret": env["TAP_SALESFORCE_CLIENT_SECRET"],
        "refresh_token": env["TAP_SALESFORCE_REFRESH_TOKEN"],
        "max_requests_per_second": 0,
        "retry_backoff_seconds": 0.01,
        "retry_max_wait_seconds": 2,
        "request_timeout_seconds": 10,
        "lookback_seconds": 0,
        "bulk_poll_interval_seconds": 0.01,
    }
    config.update(overrides)
    return config


@dataclass
class TapRun:
    """Singer messages of one in-process tap run."""

    messages: list[dict[str, t.Any]]

    def records(self, stream: str | None = None) -> list[dict[str, t.Any]]:
        """RECORD payloads, optionally of one stream."""
        return [
            m["record"] for m in self.messages if m["type"] == "RECORD" and (stream is None or m["stream"] == stream)
        ]

    def by_id(self, stream: str) -> dict[str, str]:
        """Records of a stream as ``Id -> canonical JSON`` (the last one per Id)."""
        return {r["Id"]: json.dumps(r, sort_keys=True) for r in self.records(stream)}

    def of_type(self, kind: str) -> list[dict[str, t.Any]]:
        """Messages of one type (``STATE``, ``ACTIVATE_VERSION`` …)."""
        return [m for m in self.messages if m["type"] == kind]

    @property
    def final_state(self) -> dict[str, t.Any]:
        """Value of the last STATE message."""
        states = self.of_type("STATE")
        return states[-1]["value"] if states else {}


def run_tap(config: dict[str, t.Any], state: dict[str, t.Any] | None = None) -> TapRun:
    """Run a full sync in-process and collect its stdout messages (also when it fails)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            tap = TapSalesforce(config=config, state=state, parse_env_config=False)
            tap.sync_all()
    except Exception as exc:
        exc.tap_run = TapRun(_parse(out.getvalue()))  # type: ignore[attr-defined]
        raise
    return TapRun(_parse(out.getvalue()))


def _parse(text: str) -> list[dict[str, t.Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def admin(url: str, path: str, **body: t.Any) -> dict[str, t.Any]:
    """POST to the sandbox admin API."""
    response = requests.post(f"{url}/_sandbox/{path}", json=body, timeout=60)
    response.raise_for_status()
    result: dict[str, t.Any] = response.json()
    return result


def stats(url: str) -> dict[str, t.Any]:
    """``GET /_sandbox/stats``."""
    result: dict[str, t.Any] = requests.get(f"{url}/_sandbox/stats", timeout=10).json()
    return result


@pytest.fixture(scope="session")
def clean_run(sandbox_url: str) -> TapRun:
    """One run without state (every record) against the shared sandbox."""
    return run_tap(make_config(sandbox_url))


@pytest.fixture(scope="session")
def tap_runner() -> Callable[..., TapRun]:
    """``run_tap(config, state=None)`` as a fixture."""
    return run_tap


@pytest.fixture(scope="session")
def tap_config() -> Callable[..., dict[str, t.Any]]:
    """``make_config(url, **overrides)`` as a fixture."""
    return make_config


@pytest.fixture(scope="session")
def sandbox_admin() -> Callable[..., dict[str, t.Any]]:
    """``admin(url, path, **body)``: POST to the sandbox admin API."""
    return admin


@pytest.fixture(scope="session")
def sandbox_stats() -> Callable[[str], dict[str, t.Any]]:
    """``stats(url)``: the sandbox's request statistics."""
    return stats
