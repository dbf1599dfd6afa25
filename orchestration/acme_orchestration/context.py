"""Where a run runs: Meltano environment, dbt target, and the local sandboxes of the embedded default."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from acme_orchestration import sandboxes, world_store


@dataclass(frozen=True)
class Context:
    """Where a run runs: Meltano environment, dbt target, local sandboxes or real APIs."""

    environment: str = "dev"
    target: str = "duckdb"
    #: Serve the source's sandbox and point the tap at it (the embedded default).
    sandbox: bool = True
    #: Seconds to wait for the source lock (None: for ever).
    lock_timeout: float | None = None
    #: The local world (None: the pinned one, else seed 42 / scale 0.01).
    seed: int | None = None
    scale: float | None = None
    #: Sandbox settings to change (e.g. faults), by name.
    sandbox_settings: dict[str, Any] = field(default_factory=dict)
    #: Run the gated dbt build after the load.
    transform: bool = True

    def as_of(self) -> dt.datetime | None:
        """dbt's "now": the sandbox clock on the embedded default, the real time otherwise."""
        if not self.sandbox:
            return None
        return world_store.current(self.seed, self.scale).clock


@contextlib.contextmanager
def api_env(context: Context, names: list[str]) -> Iterator[dict[str, dict[str, str]]]:
    """Per source, the environment pointing its tap at its API: its sandbox, or nothing (real API).

    Variables already set in the environment win over the sandbox's (e.g. a deliberately wrong
    ``TAP_STRIPE_API_KEY``).
    """
    if not context.sandbox:
        yield {name: {} for name in names}
        return
    pinned = world_store.current(context.seed, context.scale)
    world = world_store.build(pinned)
    with sandboxes.running(world, names, pinned.advanced_seconds, context.sandbox_settings) as servers:
        yield {
            name: {k: v for k, v in sandboxes.tap_env(name, servers[name]).items() if k not in os.environ}
            for name in names
        }
