"""Fixtures for the tap tests: a small AcmeCloud world served by the Zendesk sandbox.

The sandbox runs in a thread on an ephemeral loopback port (``zendesk_sandbox.run_in_thread``).
Most tests use a sandbox with high rate limits (``FAST``) so they take seconds; the rate-limit
tests use short windows (``rate_limit_window_seconds``) with the same per-minute semantics.
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
from tap_zendesk.tap import TapZendesk
from zendesk_sandbox import RunningSandbox, SandboxSettings, run_in_thread

ANCHOR = datetime(2025, 6, 1, tzinfo=UTC)
#: 122 tickets (one deleted), 90 users, 29 organizations (one deleted), 617 comments at the anchor.
WORLD_CONFIG = WorldConfig(seed=11, scale=0.002, anchor=ANCHOR)
#: Limits high enough that no test waits on them.
FAST: dict[str, t.Any] = {"export_requests_per_minute": 60_000, "requests_per_minute": 600_000}
STREAMS = ("organizations", "users", "tickets", "ticket_comments")


@pytest.fixture(scope="session")
def zendesk_world() -> World:
    """The world every tap test reads (deterministic)."""
    return build_world(WORLD_CONFIG)


@pytest.fixture(scope="session")
def zendesk_sandbox(zendesk_world: World) -> Iterator[RunningSandbox]:
    """A sandbox shared by the tests that only read (clock at the anchor, high limits, no faults)."""
    with run_in_thread(zendesk_world, SandboxSettings(**FAST)) as sandbox:
        yield sandbox


@pytest.fixture(scope="session")
def zendesk_sandbox_url(zendesk_sandbox: RunningSandbox) -> str:
    """URL of the shared sandbox."""
    return zendesk_sandbox.url


@pytest.fixture
def start_zendesk_sandbox(zendesk_world: World) -> Iterator[Callable[..., RunningSandbox]]:
    """Start private sandboxes (faults, limits, clock moves); all stop after the test."""
    with contextlib.ExitStack() as stack:

        def start(**settings: t.Any) -> RunningSandbox:
            return stack.enter_context(run_in_thread(zendesk_world, SandboxSettings(**{**FAST, **settings})))

        yield start


def make_config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    """Tap settings for a sandbox: its credentials and limits, fast retries, no template rate cap."""
    sandbox = SandboxSettings()
    config: dict[str, t.Any] = {
        "api_url": url,
        "email": sandbox.email,
        "api_token": sandbox.api_token,
        **FAST,
        "max_requests_per_second": 0,
        "retry_backoff_seconds": 0.01,
        "retry_max_wait_seconds": 5,
        "request_timeout_seconds": 10,
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

    def by_key(self, stream: str) -> dict[int, str]:
        """Records of a stream as ``id -> canonical JSON`` (the last one per id)."""
        return {r["id"]: json.dumps(r, sort_keys=True) for r in self.records(stream)}

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
    tap = TapZendesk(config=config, state=state, parse_env_config=False)
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


def stats(url: str) -> dict[str, t.Any]:
    """``GET /_sandbox/stats``."""
    result: dict[str, t.Any] = requests.get(f"{url}/_sandbox/stats", timeout=30).json()
    return result


@pytest.fixture(scope="session")
def clean_run(zendesk_sandbox_url: str) -> TapRun:
    """One run without state (everything) against the shared sandbox."""
    return run_tap(make_config(zendesk_sandbox_url))


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


@pytest.fixture
def sandbox_stats() -> Callable[[str], dict[str, t.Any]]:
    """``stats(url)``: the sandbox's request statistics."""
    return stats


#: One second before the world's deleted ticket (58) is deleted (seed 11, scale 0.002).
BEFORE_TICKET_DELETION = 1_722_849_394 - 1


@dataclass
class DeletionRuns:
    """Two delta runs: one a second before ticket 58 is deleted, one (from its state) at the anchor."""

    first: TapRun
    second: TapRun


@pytest.fixture(scope="session")
def deletion_runs(zendesk_world: World) -> DeletionRuns:
    """Shared by the bronze/staging tests on DuckDB and on fakesnow."""
    with run_in_thread(zendesk_world, SandboxSettings(**FAST, start_clock=BEFORE_TICKET_DELETION)) as sandbox:
        first = run_tap(make_config(sandbox.url))
        admin(sandbox.url, "advance", to=int(zendesk_world.anchor.timestamp()))
        second = run_tap(make_config(sandbox.url), state=first.final_state)
    return DeletionRuns(first, second)
