"""The world: core entities, source-system views and ground truth, built from a config."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from acme_world.config import WorldConfig, normalise_utc
from acme_world.core import Company, Core, Person, build_core
from acme_world.ids import IdFactory
from acme_world.stripe import StripeView, build_stripe
from acme_world.timeline import Timeline, from_epoch, iso, to_epoch
from acme_world.truth import Truth, compute_truth
from acme_world.truth_io import write_truth_files


@dataclass
class World:
    """A built world. Everything in it is a pure function of `config` (with a resolved anchor)."""

    config: WorldConfig
    timeline: Timeline
    core: Core
    stripe: StripeView

    @property
    def anchor(self) -> datetime:
        """"Now" of the world (aware UTC)."""
        return from_epoch(self.timeline.anchor)

    @property
    def start(self) -> datetime:
        """First instant of history."""
        return from_epoch(self.timeline.start)

    @property
    def horizon(self) -> datetime:
        """Last instant anything happens: anchor + future_hours."""
        return from_epoch(self.timeline.end)

    @property
    def companies(self) -> list[Company]:
        """All true companies (including ones created after the anchor)."""
        return self.core.companies

    @property
    def people(self) -> list[Person]:
        """All true people."""
        return self.core.people

    def _as_of(self, as_of: datetime | int | None) -> int:
        if as_of is None:
            return self.timeline.anchor
        seconds = as_of if isinstance(as_of, int) else to_epoch(normalise_utc(as_of))
        if seconds > self.timeline.end:
            raise ValueError(
                f"as_of {iso(seconds)} is after the simulated horizon {iso(self.timeline.end)}"
            )
        return seconds

    def truth(self, as_of: datetime | int | None = None) -> Truth:
        """Ground truth as of `as_of` (aware datetime or epoch seconds; default: the anchor)."""
        return compute_truth(self.stripe.ledger, self._as_of(as_of))

    def counts(self, as_of: datetime | int | None = None) -> dict[str, Any]:
        """How many entities, Stripe objects, versions and events exist up to `as_of`."""
        until = self._as_of(as_of)
        objects: Counter[str] = Counter()
        versions: Counter[str] = Counter()
        seen: set[str] = set()
        for version in self.stripe.versions_between(-1, until):
            versions[version.resource] += 1
            if version.id not in seen:
                seen.add(version.id)
                objects[version.resource] += 1
        events = sum(1 for event in self.stripe.events if event["created"] <= until)
        return {
            "companies": sum(1 for c in self.core.companies if to_epoch(c.created) <= until),
            "people": sum(1 for p in self.core.people if to_epoch(p.created) <= until),
            "stripe": {
                "objects": dict(sorted(objects.items())),
                "versions": dict(sorted(versions.items())),
                "events": events,
            },
        }

    def write_truth(self, directory: str | Path, as_of: datetime | int | None = None) -> list[Path]:
        """Write mrr.csv, failed_payments.csv, owners.csv and manifest.json; returns the paths."""
        seconds = self._as_of(as_of)
        config = {**self.config.as_dict(), "start": iso(self.timeline.start),
                  "horizon": iso(self.timeline.end)}
        return write_truth_files(Path(directory), self.truth(seconds), config, self.counts(seconds))


def build_world(config: WorldConfig | None = None) -> World:
    """Build the world for `config` (default `WorldConfig()`); deterministic for a resolved config."""
    resolved = (config or WorldConfig()).resolved()
    assert resolved.anchor is not None
    timeline = Timeline.from_config(resolved.anchor, resolved.history_months, resolved.future_hours)
    ids = IdFactory()
    core = build_core(resolved.seed, resolved.n_companies, timeline, ids)
    stripe = build_stripe(resolved.seed, timeline, core, ids)
    return World(config=resolved, timeline=timeline, core=core, stripe=stripe)
