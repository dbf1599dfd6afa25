"""Fixtures for the tap tests: a small AcmeCloud world served by the Stripe sandbox.

The sandbox runs in a thread on an ephemeral loopback port (``stripe_sandbox.run_in_thread``);
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
from stripe_sandbox import RunningSandbox, SandboxSettings, run_in_thread
from tap_stripe.tap import TapStripe

ANCHOR = datetime(2025, 6, 1, tzinfo=UTC)
WORLD_CONFIG = WorldConfig(seed=11, scale=0.004, anchor=ANCHOR)
SANDBOX_KEY = SandboxSettings().api_key
DAY = 86_400


@pytest.fixture(scope="session")
def stripe_world() -> World:
    """The world every tap test reads (deterministic)."""
    return build_world(WORLD_CONFIG)


@pytest.fixture(scope="session")
def stripe_sandbox_url(stripe_world: World) -> Iterator[str]:
    """A sandbox shared by the tests that only read (clock at the anchor, no faults)."""
    with run_in_thread(stripe_world, SandboxSettings()) as sandbox:
        yield sandbox.url


@pytest.fixture
def start_stripe_sandbox(stripe_world: World) -> Iterator[Callable[..., RunningSandbox]]:
    """Start private sandboxes (faults, clock moves); all stop after the test."""
    with contextlib.ExitStack() as stack:

        def start(**settings: t.Any) -> RunningSandbox:
            return stack.enter_context(run_in_thread(stripe_world, SandboxSettings(**settings)))

        yield start


def make_config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    """Tap settings for a sandbox: fast retries, no rate cap, no lookback."""
    config: dict[str, t.Any] = {
        "api_key": SANDBOX_KEY,
        "api_url": url,
        "max_requests_per_second": 0,
        "retry_backoff_seconds": 0.01,
        "retry_max_wait_seconds": 2,
        "request_timeout_seconds": 10,
        "lookback_seconds": 0,
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

    def by_key(self, stream: str) -> dict[str, str]:
        """Records of a stream as ``id -> canonical JSON`` (the last one per id)."""
        return {r["id"]: json.dumps(r, sort_keys=True) for r in self.records(stream)}

    def streams(self) -> set[str]:
        """Streams that emitted records."""
        return {m["stream"] for m in self.messages if m["type"] == "RECORD"}

    def of_type(self, kind: str) -> list[dict[str, t.Any]]:
        """Messages of one type (``STATE``, ``ACTIVATE_VERSION`` …)."""
        return [m for m in self.messages if m["type"] == kind]

    @property
    def final_state(self) -> dict[str, t.Any]:
        """Value of the last STATE message."""
        states = self.of_type("STATE")
        return states[-1]["value"] if states else {}


def run_tap(config: dict[str, t.Any], state: dict[str, t.Any] | None = None) -> TapRun:
    """Run a full sync in-process and collect its stdout messages."""
    tap = TapStripe(config=config, state=state, parse_env_config=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        tap.sync_all()
    return TapRun([json.loads(line) for line in out.getvalue().splitlines() if line.strip()])


def admin(url: str, path: str, **body: t.Any) -> dict[str, t.Any]:
    """POST to the sandbox admin API."""
    response = requests.post(f"{url}/_sandbox/{path}", json=body, timeout=30)
    response.raise_for_status()
    result: dict[str, t.Any] = response.json()
    return result


@pytest.fixture
def tap_runner() -> Callable[..., TapRun]:
    """``run_tap(config, state=None)`` as a fixture."""
    return run_tap


@pytest.fixture
def tap_config() -> Callable[..., dict[str, t.Any]]:
    """``make_config(url, **overrides)`` as a fixture."""
    return make_config


@pytest.fixture
def sandbox_admin() -> Callable[..., dict[str, t.Any]]:
    """``admin(url, path, **body)``: POST to the sandbox admin API."""
    return admin


@pytest.fixture(scope="session")
def clean_run(stripe_sandbox_url: str) -> TapRun:
    """One clean delta-mode run without state (a full listing) against the shared sandbox."""
    return run_tap(make_config(stripe_sandbox_url))
