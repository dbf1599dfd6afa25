"""In-memory index of the world's Stripe objects as of the sandbox clock.

The world gives every version of every object (``ObjectVersion(resource, id, valid_from, body)``,
``body is None`` meaning deleted) sorted by ``valid_from``. The store replays versions up to the
clock: moving forward applies only the new versions; moving back rebuilds from scratch.
Per resource it keeps the visible objects sorted by ``(created, id)`` plus secondary indexes for
the equality filters Stripe offers (``customer=``, ``subscription=`` …), so list pages are bisects.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right, insort
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Protocol

from stripe_sandbox.pagination import Key, ListParams

logger = logging.getLogger(__name__)

Body = dict[str, Any]
DAY = 86_400


class ObjectVersionLike(Protocol):
    """One version of one object (``acme_world`` ``ObjectVersion``)."""

    @property
    def resource(self) -> str: ...
    @property
    def id(self) -> str: ...
    @property
    def valid_from(self) -> int: ...
    @property
    def body(self) -> Mapping[str, Any] | None: ...


class StripeWorldLike(Protocol):
    """``world.stripe``: versions sorted by ``valid_from``, events sorted by ``created``."""

    @property
    def versions(self) -> Sequence[ObjectVersionLike]: ...
    @property
    def events(self) -> Sequence[Mapping[str, Any]]: ...


class WorldLike(Protocol):
    """The part of ``acme_world.World`` the sandbox uses."""

    @property
    def stripe(self) -> StripeWorldLike: ...
    @property
    def anchor(self) -> datetime | int | float: ...


@dataclass(frozen=True)
class EmbeddedList:
    """A child list embedded in its parent (``subscription.items``, ``invoice.lines``)."""

    field: str
    #: URL of the full list; ``{id}`` is the parent id.
    url: str
    #: Keep a child-id → parent-id map (children retrievable by id, e.g. ``si_…``).
    index_children: bool = False


@dataclass(frozen=True)
class ResourceSpec:
    """How one Stripe resource is served."""

    plural: str
    #: ``ObjectVersion.resource`` and the ``object`` name, e.g. ``customer``.
    name: str
    #: Equality filters backed by a secondary index (``customer=cus_…``).
    indexed: tuple[str, ...] = ()
    embedded: EmbeddedList | None = None


RESOURCES: dict[str, ResourceSpec] = {
    spec.plural: spec
    for spec in (
        ResourceSpec("customers", "customer"),
        ResourceSpec("products", "product"),
        ResourceSpec("prices", "price", indexed=("product",)),
        ResourceSpec(
            "subscriptions",
            "subscription",
            indexed=("customer",),
            embedded=EmbeddedList("items", "/v1/subscription_items?subscription={id}", index_children=True),
        ),
        ResourceSpec(
            "invoices",
            "invoice",
            indexed=("customer", "subscription"),
            embedded=EmbeddedList("lines", "/v1/invoices/{id}/lines"),
        ),
        ResourceSpec("charges", "charge", indexed=("customer", "payment_intent")),
        ResourceSpec("refunds", "refund", indexed=("charge", "payment_intent")),
    )
}
BY_NAME = {spec.name: spec for spec in RESOURCES.values()}


def ref(value: Any) -> str | None:
    """The id behind a reference field, whether a string or an expanded object."""
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        inner = value.get("id")
        return inner if isinstance(inner, str) else None
    return None


def embedded_rows(body: Mapping[str, Any], name: str) -> list[Body]:
    """All rows of an embedded list, whether stored as a list object or a bare list."""
    value = body.get(name)
    if isinstance(value, Mapping):
        value = value.get("data")
    return list(value) if isinstance(value, list) else []


def to_epoch(value: datetime | int | float) -> int:
    """Epoch seconds of an aware datetime (or a number)."""
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(value)


class ResourceIndex:
    """Visible objects of one resource, sorted by ``(created, id)``, with secondary indexes."""

    def __init__(self, spec: ResourceSpec) -> None:
        self.spec = spec
        self.bodies: dict[str, Body] = {}
        self.keys: list[Key] = []
        self.created_of: dict[str, int] = {}
        self.deleted: set[str] = set()
        self.secondary: dict[str, dict[str, list[Key]]] = {}
        #: Child id (``si_…``) to parent id, for embedded lists.
        self.child_parent: dict[str, str] = {}
        self._reset()

    def _reset(self) -> None:
        self.bodies = {}
        self.keys = []
        self.created_of = {}
        self.deleted = set()
        self.secondary = {f: {} for f in self.spec.indexed}
        self.child_parent = {}

    def load(self, latest: Mapping[str, tuple[int, Body | None]], created: Mapping[str, int]) -> None:
        """Bulk-load ``{id: (valid_from, body or None)}`` (the state at some clock).

        ``created`` holds the creation time of every id (deleted ones included, for cursors).
        """
        self._reset()
        for oid, (valid_from, body) in latest.items():
            self.created_of[oid] = created.get(oid, valid_from)
            if body is None:
                self.deleted.add(oid)
                continue
            self.bodies[oid] = body
            self._link_children(oid, body)
        self.keys = sorted((self.created_of[oid], oid) for oid in self.bodies)
        for name, groups in self.secondary.items():
            for key in self.keys:
                value = ref(self.bodies[key[1]].get(name))
                if value is not None:
                    groups.setdefault(value, []).append(key)

    def apply(self, oid: str, valid_from: int, body: Body | None) -> None:
        """Apply one newer version."""
        old = self.bodies.get(oid)
        if body is None:
            self.deleted.add(oid)
            self.created_of.setdefault(oid, valid_from)
            if old is not None:
                key = (self.created_of[oid], oid)
                _remove(self.keys, key)
                for name in self.secondary:
                    self._unindex(name, ref(old.get(name)), key)
                del self.bodies[oid]
            return
        self.deleted.discard(oid)
        created = int(body.get("created", self.created_of.get(oid, valid_from)))
        if old is not None and self.created_of[oid] != created:
            # `created` never changes in Stripe; tolerate it by re-keying.
            self.apply(oid, valid_from, None)
            self.deleted.discard(oid)
            old = None
        self.created_of[oid] = created
        key = (created, oid)
        if old is None:
            insort(self.keys, key)
        for name, groups in self.secondary.items():
            before = None if old is None else ref(old.get(name))
            after = ref(body.get(name))
            if before != after or old is None:
                self._unindex(name, before, key)
                if after is not None:
                    insort(groups.setdefault(after, []), key)
        self.bodies[oid] = body
        self._link_children(oid, body)

    def key_of(self, oid: str) -> Key | None:
        """The sort key of any id ever seen (visible or deleted), for cursors."""
        created = self.created_of.get(oid)
        return None if created is None else (created, oid)

    def keys_for(self, name: str, value: str) -> list[Key]:
        """Sorted keys of visible objects whose ``name`` field references ``value``."""
        return self.secondary[name].get(value, [])

    def _unindex(self, name: str, value: str | None, key: Key) -> None:
        if value is None:
            return
        group = self.secondary[name].get(value)
        if group is not None:
            _remove(group, key)
            if not group:
                del self.secondary[name][value]

    def _link_children(self, oid: str, body: Mapping[str, Any]) -> None:
        if self.spec.embedded is None or not self.spec.embedded.index_children:
            return
        for row in embedded_rows(body, self.spec.embedded.field):
            child = row.get("id") if isinstance(row, Mapping) else None
            if isinstance(child, str):
                self.child_parent[child] = oid


def _remove(keys: list[Key], key: Key) -> None:
    i = bisect_left(keys, key)
    if i < len(keys) and keys[i] == key:
        del keys[i]


class EventIndex:
    """All world events; visibility (clock, 30-day retention) is a window over sorted keys."""

    def __init__(self, events: Sequence[Mapping[str, Any]]) -> None:
        self.events = list(events)
        self.created = [int(e["created"]) for e in self.events]
        self.by_id: dict[str, Mapping[str, Any]] = {str(e["id"]): e for e in self.events}
        self.keys: list[Key] = sorted((int(e["created"]), str(e["id"])) for e in self.events)

    def between(self, after: int, upto: int) -> list[Mapping[str, Any]]:
        """Events with ``after < created <= upto`` in world order (for webhooks)."""
        lo = bisect_right(self.created, after)
        hi = bisect_right(self.created, upto)
        return self.events[lo:hi]


@dataclass
class ClockChange:
    """What a clock move did."""

    previous: int
    clock: int
    versions_applied: int
    new_events: list[Mapping[str, Any]] = field(default_factory=list)
    rebuilt: bool = False


class SandboxStore:
    """The world as of ``clock``: resource indexes, events, embedded-list rendering."""

    def __init__(self, world: WorldLike, start_clock: int | None = None, event_retention_days: int = 30) -> None:
        self.anchor = to_epoch(world.anchor)
        self.retention_seconds = event_retention_days * DAY
        self._versions = list(world.stripe.versions)
        self._valid_from = [int(v.valid_from) for v in self._versions]
        self.indexes = {plural: ResourceIndex(spec) for plural, spec in RESOURCES.items()}
        self.events = EventIndex(world.stripe.events)
        self._applied = 0
        self.clock = self.anchor if start_clock is None else int(start_clock)
        self._rebuild(self.clock)
        last_version = self._valid_from[-1] if self._valid_from else self.anchor
        last_event = self.events.created[-1] if self.events.created else self.anchor
        #: The last instant at which the world changes.
        self.world_end = max(last_version, last_event, self.anchor)

    def set_clock(self, t: int) -> ClockChange:
        """Move the clock to ``t`` (forward incrementally, backward by rebuilding)."""
        previous = self.clock
        if t < previous:
            applied = self._rebuild(t)
            self.clock = t
            return ClockChange(previous, t, applied, rebuilt=True)
        start = self._applied
        end = bisect_right(self._valid_from, t, lo=start)
        for version in self._versions[start:end]:
            index = self._index_for(version.resource)
            if index is not None:
                body = _as_body(version.body)
                index.apply(version.id, int(version.valid_from), body)
        self._applied = end
        self.clock = t
        change = ClockChange(previous, t, end - start, self.events.between(previous, t))
        logger.info(
            "sandbox clock moved",
            extra={
                "source": "stripe",
                "clock": t,
                "previous": previous,
                "versions_applied": change.versions_applied,
                "new_events": len(change.new_events),
            },
        )
        return change

    def advance(self, seconds: int) -> ClockChange:
        """Move the clock forward by ``seconds``."""
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        return self.set_clock(self.clock + seconds)

    def index(self, plural: str) -> ResourceIndex:
        """The index of a resource by its URL name (``customers``)."""
        return self.indexes[plural]

    def event_window(self, params: ListParams) -> ListParams:
        """``params`` narrowed to events visible at the clock (retention window)."""
        low = self.clock - self.retention_seconds
        high = self.clock + 1
        gte = low if params.created_gte is None else max(params.created_gte, low)
        lt = high if params.created_lt is None else min(params.created_lt, high)
        return replace(params, created_gte=gte, created_lt=lt)

    def event(self, event_id: str) -> Mapping[str, Any] | None:
        """A visible event by id."""
        event = self.events.by_id.get(event_id)
        if event is None:
            return None
        created = int(event["created"])
        if created > self.clock or created < self.clock - self.retention_seconds:
            return None
        return event

    def render(self, plural: str, body: Body) -> Body:
        """The body as served: embedded lists cut to 10 rows with ``has_more`` and ``url``."""
        embedded = RESOURCES[plural].embedded
        if embedded is None or embedded.field not in body:
            return body
        rows = embedded_rows(body, embedded.field)
        original = body.get(embedded.field)
        listing: Body = dict(original) if isinstance(original, Mapping) else {}
        listing.update(
            {
                "object": "list",
                "data": rows[:10],
                "has_more": len(rows) > 10 or bool(listing.get("has_more") and len(rows) >= 10),
                "url": embedded.url.format(id=body.get("id")),
            }
        )
        if "total_count" in listing:
            listing["total_count"] = max(len(rows), int(listing.get("total_count") or 0))
        out = dict(body)
        out[embedded.field] = listing
        return out

    def _index_for(self, resource: str) -> ResourceIndex | None:
        spec = BY_NAME.get(resource)
        return None if spec is None else self.indexes[spec.plural]

    def _rebuild(self, t: int) -> int:
        """Replay all versions up to ``t`` from scratch; returns how many were applied."""
        end = bisect_right(self._valid_from, t)
        latest: dict[str, dict[str, tuple[int, Body | None]]] = {p: {} for p in RESOURCES}
        created: dict[str, dict[str, int]] = {p: {} for p in RESOURCES}
        for version in self._versions[:end]:
            spec = BY_NAME.get(version.resource)
            if spec is None:
                continue
            body = _as_body(version.body)
            valid_from = int(version.valid_from)
            latest[spec.plural][version.id] = (valid_from, body)
            if body is not None:
                created[spec.plural].setdefault(version.id, int(body.get("created", valid_from)))
        for plural, state in latest.items():
            self.indexes[plural].load(state, created[plural])
        self._applied = end
        return end


def count_visible(store: SandboxStore) -> dict[str, int]:
    """Visible objects per resource (for the admin API)."""
    return {plural: len(index.bodies) for plural, index in store.indexes.items()}


def _as_body(body: Mapping[str, Any] | None) -> Body | None:
    """The version body as a dict (not copied when it already is one)."""
    if body is None or isinstance(body, dict):
        return body
    return dict(body)
