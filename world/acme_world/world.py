"""The world: core entities, source-system views and ground truth, built from a config."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from acme_world.billing import company_billing
from acme_world.config import WorldConfig, normalise_utc
from acme_world.core import Company, Core, Person, build_core
from acme_world.ids import IdFactory
from acme_world.model import ObjectVersion
from acme_world.salesforce import SalesforceView, build_salesforce
from acme_world.stripe import StripeView, build_stripe
from acme_world.timeline import HOUR, Timeline, from_epoch, iso, to_epoch
from acme_world.truth import Truth, Views, compute_truth
from acme_world.truth_io import write_truth_files
from acme_world.zendesk import ZendeskView, build_zendesk


@dataclass
class World:
    """A built world. Everything in it is a pure function of `config` (with a resolved anchor)."""

    config: WorldConfig
    timeline: Timeline
    core: Core
    stripe: StripeView
    salesforce: SalesforceView
    zendesk: ZendeskView

    @property
    def anchor(self) -> datetime:
        """ "Now" of the world (aware UTC)."""
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
            raise ValueError(f"as_of {iso(seconds)} is after the simulated horizon {iso(self.timeline.end)}")
        return seconds

    def truth(self, as_of: datetime | int | None = None) -> Truth:
        """Ground truth as of `as_of` (aware datetime or epoch seconds; default: the anchor)."""
        views = Views(
            self.core, self.salesforce.records, self.zendesk.organizations, self.zendesk.users, self.zendesk.tickets
        )
        return compute_truth(self.stripe.ledger, self._as_of(as_of), views)

    def counts(self, as_of: datetime | int | None = None) -> dict[str, Any]:
        """How many entities, objects, versions (and Stripe events) exist up to `as_of`."""
        until = self._as_of(as_of)
        events = sum(1 for event in self.stripe.events if event["created"] <= until)
        return {
            "companies": sum(1 for c in self.core.companies if to_epoch(c.created) <= until),
            "people": sum(1 for p in self.core.people if to_epoch(p.created) <= until),
            "stripe": {**_version_counts(self.stripe.versions_between(-1, until)), "events": events},
            "salesforce": _version_counts(self.salesforce.versions_between(-1, until)),
            "zendesk": _version_counts(self.zendesk.versions_between(-1, until)),
        }

    def write_truth(self, directory: str | Path, as_of: datetime | int | None = None) -> list[Path]:
        """Write the truth CSV files and manifest.json (see `truth_io.FILES`); returns the paths."""
        seconds = self._as_of(as_of)
        config = {**self.config.as_dict(), "start": iso(self.timeline.start), "horizon": iso(self.timeline.end)}
        return write_truth_files(Path(directory), self.truth(seconds), config, self.counts(seconds))


def _version_counts(versions: list[ObjectVersion]) -> dict[str, dict[str, int]]:
    objects: Counter[str] = Counter()
    counted: Counter[str] = Counter()
    seen: set[tuple[str, str]] = set()
    for version in versions:
        counted[version.resource] += 1
        key = (version.resource, version.id)
        if key not in seen:
            seen.add(key)
            objects[version.resource] += 1
    return {"objects": dict(sorted(objects.items())), "versions": dict(sorted(counted.items()))}


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Build without the cyclic garbage collector, then freeze what was built.

    A build allocates millions of long-lived objects and no reference cycles (a dropped world is
    freed by reference counting alone), so collector passes over it are pure cost: pausing the
    collector and moving the result to the permanent generation (`gc.freeze`) halves the time
    to build and query a large world. The output does not depend on it.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def build_world(config: WorldConfig | None = None) -> World:
    """Build the world for `config` (default `WorldConfig()`); deterministic for a resolved config."""
    resolved = (config or WorldConfig()).resolved()
    assert resolved.anchor is not None
    timeline = Timeline.from_config(resolved.anchor, resolved.history_months, resolved.future_hours)
    drift = resolved.health_score_after_hours
    with _collector_paused():
        ids = IdFactory()
        core = build_core(resolved.seed, resolved.n_companies, timeline, ids)
        stripe = build_stripe(resolved.seed, timeline, core, ids)
        billing = company_billing(core, stripe.ledger)
        salesforce = build_salesforce(
            resolved.seed, timeline, core, billing, ids, None if drift is None else timeline.anchor + drift * HOUR
        )
        zendesk = build_zendesk(resolved.seed, timeline, core, billing, salesforce.records)
    return World(config=resolved, timeline=timeline, core=core, stripe=stripe, salesforce=salesforce, zendesk=zendesk)
