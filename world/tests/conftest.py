"""Shared fixtures: one small world per test session (building it takes well under a second)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from acme_world import World, WorldConfig, build_world

ANCHOR = datetime(2025, 6, 1, 12, tzinfo=UTC)
CONFIG = WorldConfig(seed=42, scale=0.01, anchor=ANCHOR)


@pytest.fixture(scope="session")
def world() -> World:
    """The seed-42, scale-0.01 world anchored at 2025-06-01 12:00 UTC."""
    return build_world(CONFIG)


@pytest.fixture(scope="session")
def other_world() -> World:
    """A second seed, to check that features do not depend on one lucky seed."""
    return build_world(WorldConfig(seed=7, scale=0.01, anchor=ANCHOR))
