"""The org as of the sandbox clock: the latest version of every record, indexed for queries.

The clock starts at ``world.anchor`` (or ``start_clock``) and stays there until moved through
``/_sandbox/advance``; moving it forward applies the versions in between, moving it back rebuilds.
Records are kept sorted by (``SystemModstamp``, ``Id``), the order incremental extractors read in.
Formula fields are evaluated at the clock when a record is served (``SalesforceView.with_formulas``).
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from salesforce_sandbox.soql import canonical_datetime

logger = logging.getLogger(__name__)

RESOURCES = ("Account", "Contact", "Opportunity", "User")
Body = dict[str, Any]


class VersionLike(Protocol):
    """``acme_world.ObjectVersion``."""

    resource: str
    id: str
    valid_from: int
    body: Body


class SalesforceViewLike(Protocol):
    """What the store needs of ``acme_world.SalesforceView``."""

    versions: Sequence[VersionLike]

    def describe(self, resource: str, at: int) -> dict[str, Any]: ...

    def field_names(self, resource: str, at: int) -> list[str]: ...

    def with_formulas(self, body: Body, at: int) -> Body: ...


class WorldLike(Protocol):
    """What the sandbox needs of ``acme_world.World``."""

    @property
    def anchor(self) -> datetime: ...

    salesforce: Any


def sf_datetime(epoch: int) -> str:
    """``2024-03-01T10:00:00.000+0000``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def with_health_score(world: WorldLike, after_hours: int | None) -> SalesforceViewLike:
    """The world's Salesforce view, rebuilt when the drift switch asks for another ``Health_Score__c`` time."""
    config = getattr(world, "config", None)
    if after_hours is None or config is None or getattr(config, "health_score_after_hours", None) == after_hours:
        view: SalesforceViewLike = world.salesforce
        return view
    from acme_world import build_world  # the sandbox extra depends on acme-world

    logger.info(
        "rebuilding the salesforce view with Health_Score__c",
        extra={"source": "salesforce", "health_score_after_hours": after_hours},
    )
    rebuilt: SalesforceViewLike = build_world(
        dataclasses.replace(config, health_score_after_hours=after_hours)
    ).salesforce
    return rebuilt


class SalesforceStore:
    """Current records per object at the clock, sorted by (SystemModstamp, Id)."""

    def __init__(self, view: SalesforceViewLike, anchor: int, clock: int | None = None) -> None:
        self.lock = threading.RLock()
        self.anchor = anchor
        self.view = view
        self.clock = anchor if clock is None else clock
        self._rebuild()

    # -- clock ------------------------------------------------------------------------------

    def _rebuild(self) -> None:
        self.current: dict[str, dict[str, Body]] = {resource: {} for resource in RESOURCES}
        self._cursor = 0
        self._sorted: dict[str, list[tuple[str, str]]] = {}
        self._apply_until(self.clock)

    def _apply_until(self, until: int) -> int:
        versions = self.view.versions
        applied = 0
        while self._cursor < len(versions) and versions[self._cursor].valid_from <= until:
            version = versions[self._cursor]
            self.current.setdefault(version.resource, {})[version.id] = version.body
            self._sorted.pop(version.resource, None)
            self._cursor += 1
            applied += 1
        return applied

    def set_clock(self, target: int) -> int:
        """Move the clock; returns how many versions were applied (a move back rebuilds)."""
        with self.lock:
            if target < self.clock:
                self.clock = target
                self._rebuild()
                return 0
            applied = self._apply_until(target)
            self.clock = target
            logger.info("sandbox clock moved", extra={"source": "salesforce", "clock": target, "applied": applied})
            return applied

    def use_view(self, view: SalesforceViewLike) -> None:
        """Serve another rendering of the org (the schema drift switch)."""
        with self.lock:
            self.view = view
            self._rebuild()

    # -- schema -----------------------------------------------------------------------------

    def describe(self, resource: str) -> dict[str, Any]:
        """``/sobjects/<resource>/describe`` at the clock."""
        return self.view.describe(resource, self.clock)

    def field_names(self, resource: str) -> list[str]:
        """API names of the object's fields at the clock."""
        return self.view.field_names(resource, self.clock)

    def field_types(self, resource: str) -> dict[str, str]:
        """Field name → describe type at the clock."""
        return {f["name"]: f["type"] for f in self.describe(resource)["fields"]}

    # -- records ----------------------------------------------------------------------------

    def _index(self, resource: str) -> list[tuple[str, str]]:
        index = self._sorted.get(resource)
        if index is None:
            index = sorted((body["SystemModstamp"], record_id) for record_id, body in self.current[resource].items())
            self._sorted[resource] = index
        return index

    def scan(self, resource: str, modstamp_from: str | None = None) -> Iterator[Body]:
        """Records in (SystemModstamp, Id) order, starting at ``SystemModstamp >= modstamp_from``."""
        with self.lock:
            index = self._index(resource)
            records = self.current[resource]
            start = 0 if modstamp_from is None else bisect.bisect_left(index, (modstamp_from, ""))
            rows = [records[record_id] for _, record_id in index[start:]]
        for body in rows:
            yield self.view.with_formulas(body, self.clock)

    def count(self, resource: str) -> int:
        """Records of ``resource`` at the clock (deleted ones included)."""
        return len(self.current.get(resource, {}))

    def purge_before(self, recycle_bin_days: int | None) -> str | None:
        """Deleted records modified before this instant have left the recycle bin (None: kept)."""
        if recycle_bin_days is None:
            return None
        return sf_datetime(self.clock - recycle_bin_days * 86_400)

    @staticmethod
    def canonical(value: str) -> str:
        """A datetime literal in the store's sort format."""
        return canonical_datetime(value)
