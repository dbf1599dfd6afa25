"""The world's Zendesk account as of the sandbox clock, indexed for incremental exports.

Each exportable resource (organizations, users, tickets) keeps its objects' current versions and
one sorted list of ``(updated, id)`` keys: an incremental export is a range of that list, and an
object that changes moves to the end of it (a new ``updated``), exactly like Zendesk's exports show
the current state of every object changed since a point in time. Comments never change; they are
kept per ticket in creation order.
"""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

logger = logging.getLogger(__name__)

Body = dict[str, Any]
Key = tuple[int, int]
#: API resource name (``/api/v2/incremental/<name>``) of each world resource.
EXPORTED = {"organization": "organizations", "user": "users", "ticket": "tickets"}


class VersionLike(Protocol):
    """``acme_world.model.ObjectVersion``."""

    resource: str
    id: str
    valid_from: int
    body: Body | None


class ZendeskViewLike(Protocol):
    """``acme_world``'s Zendesk view."""

    versions: list[Any]

    def versions_between(self, after: int, until: int) -> list[Any]:
        """Versions with ``after < valid_from <= until``."""


class WorldLike(Protocol):
    """What the sandbox needs of ``acme_world.World``."""

    anchor: datetime
    zendesk: Any


@dataclass
class ResourceIndex:
    """Current versions of one resource and their export order."""

    bodies: dict[int, Body] = field(default_factory=dict)
    stamps: dict[int, int] = field(default_factory=dict)
    keys: list[Key] = field(default_factory=list)

    def put(self, object_id: int, stamp: int, body: Body) -> None:
        """Make ``body`` the current version (moves the object to its new export position)."""
        old = self.stamps.get(object_id)
        if old is not None:
            at = bisect.bisect_left(self.keys, (old, object_id))
            if at < len(self.keys) and self.keys[at] == (old, object_id):
                del self.keys[at]
        self.bodies[object_id] = body
        self.stamps[object_id] = stamp
        bisect.insort(self.keys, (stamp, object_id))


@dataclass
class Comments:
    """Comments of one ticket, in creation order."""

    keys: list[Key] = field(default_factory=list)
    bodies: list[Body] = field(default_factory=list)


@dataclass
class ClockChange:
    """What moving the clock did."""

    previous: int
    clock: int
    versions_applied: int
    rebuilt: bool


class SandboxStore:
    """Every Zendesk object as of ``clock`` (epoch seconds)."""

    def __init__(self, world: WorldLike, start_clock: int | None = None) -> None:
        self.world = world
        self.view: ZendeskViewLike = world.zendesk
        self.anchor = int(world.anchor.timestamp())
        self.world_end = max((v.valid_from for v in self.view.versions), default=self.anchor)
        self.clock = self.anchor if start_clock is None else int(start_clock)
        self._rebuild()

    def _rebuild(self) -> None:
        self.indexes: dict[str, ResourceIndex] = {name: ResourceIndex() for name in EXPORTED.values()}
        self.comments: dict[int, Comments] = {}
        latest: dict[tuple[str, str], VersionLike] = {}
        comments: list[VersionLike] = []
        for version in self.view.versions:
            if version.valid_from > self.clock:
                break  # sorted by (valid_from, id)
            if version.resource == "ticket_comment":
                comments.append(version)
            else:
                latest[(version.resource, version.id)] = version
        for version in latest.values():
            index = self.indexes[EXPORTED[version.resource]]
            assert version.body is not None
            index.bodies[int(version.id)] = version.body
            index.stamps[int(version.id)] = version.valid_from
        for index in self.indexes.values():
            index.keys = sorted((stamp, object_id) for object_id, stamp in index.stamps.items())
        for version in comments:
            self._add_comment(version)

    def _add_comment(self, version: VersionLike) -> None:
        body = version.body
        assert body is not None
        shown = {k: v for k, v in body.items() if k != "ticket_id"}  # the API leaves it out
        thread = self.comments.setdefault(int(body["ticket_id"]), Comments())
        key = (version.valid_from, int(version.id))
        at = bisect.bisect_left(thread.keys, key)
        thread.keys.insert(at, key)
        thread.bodies.insert(at, shown)

    def _apply(self, version: VersionLike) -> None:
        if version.resource == "ticket_comment":
            self._add_comment(version)
            return
        assert version.body is not None
        self.indexes[EXPORTED[version.resource]].put(int(version.id), version.valid_from, version.body)

    def set_clock(self, target: int) -> ClockChange:
        """Move the clock (forward: apply the versions in between; back: rebuild)."""
        previous = self.clock
        if target >= previous:
            versions = self.view.versions_between(previous, target)
            for version in versions:
                self._apply(version)
            self.clock = target
            change = ClockChange(previous, target, len(versions), rebuilt=False)
        else:
            self.clock = target
            self._rebuild()
            change = ClockChange(previous, target, 0, rebuilt=True)
        logger.info(
            "sandbox clock moved",
            extra={"source": "zendesk", "previous": previous, "clock": target, "versions": change.versions_applied},
        )
        return change

    def ticket(self, ticket_id: int) -> Body | None:
        """The current ticket, or None."""
        return self.indexes["tickets"].bodies.get(ticket_id)

    def visible_counts(self) -> dict[str, int]:
        """Objects per resource at the clock."""
        counts = {name: len(index.bodies) for name, index in self.indexes.items()}
        counts["ticket_comments"] = sum(len(thread.keys) for thread in self.comments.values())
        return counts
