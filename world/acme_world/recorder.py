"""Collects the versions and events a simulated source system emits.

Every change is recorded as a new :class:`ObjectVersion` plus the events it triggers. Two changes
of one object in the same second are coalesced into one version (each keeps its event), so
`(valid_from, id)` is unique and versions of an object are strictly increasing in time.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from acme_world.ids import ALPHANUM, IdFactory
from acme_world.model import Body, ObjectVersion

_UPDATE_EVENTS_SUFFIXES = (".updated",)
_UPDATE_EVENTS_EXTRA = frozenset({"charge.refunded"})


def _differs(old: Any, new: Any) -> bool:
    return old is not new and old != new


def previous_attributes(old: Body, new: Body) -> Body:
    """Top-level attributes of `old` whose values differ in `new` (Stripe's `previous_attributes`)."""
    return {key: old.get(key) for key, value in new.items() if _differs(old.get(key), value)}


def is_update_event(event_type: str) -> bool:
    """Whether events of this type carry `data.previous_attributes`."""
    return event_type.endswith(_UPDATE_EVENTS_SUFFIXES) or event_type in _UPDATE_EVENTS_EXTRA


class Recorder:
    """Append-only log of object versions and events of one source system."""

    def __init__(self, ids: IdFactory, api_version: str) -> None:
        self.ids = ids
        self.api_version = api_version
        self._versions: list[ObjectVersion] = []
        self._last: dict[str, tuple[int, int]] = {}
        self._last_body: dict[str, Body] = {}
        self._events: list[tuple[int, int, Body]] = []

    def last_body(self, object_id: str) -> Body | None:
        """The body most recently recorded for `object_id` (None if never or deleted)."""
        return self._last_body.get(object_id)

    def put(
        self,
        resource: str,
        object_id: str,
        at: int,
        body: Body | None,
        event_types: Sequence[str],
        rng: random.Random,
        *,
        via_api: bool = False,
    ) -> bool:
        """Record `body` as the state of `object_id` from `at`, emitting `event_types`.

        A change that only carries update events and alters nothing is dropped (returns False).
        `body=None` deletes the object; its events then carry the last known body.
        """
        old = self._last_body.get(object_id)
        delta: Body | None = None
        if old is not None and body is not None:
            delta = previous_attributes(old, body)
            if not delta and all(is_update_event(t) for t in event_types):
                return False
        self._store(resource, object_id, at, body)
        event_object = body if body is not None else old
        if event_object is None:
            raise ValueError(f"deleting unknown object {object_id}")
        request = self._request(rng) if via_api else {"id": None, "idempotency_key": None}
        for event_type in event_types:
            data: Body = {"object": event_object}
            if is_update_event(event_type) and delta is not None:
                data["previous_attributes"] = delta
            self._events.append((at, len(self._events), self._event(event_type, at, data, request, rng)))
        if body is None:
            self._last_body.pop(object_id, None)
        else:
            self._last_body[object_id] = body
        return True

    def _store(self, resource: str, object_id: str, at: int, body: Body | None) -> None:
        version = ObjectVersion(resource, object_id, at, body)
        last = self._last.get(object_id)
        if last is not None:
            last_at, index = last
            if at < last_at:
                raise ValueError(f"{object_id}: change at {at} before previous version {last_at}")
            if at == last_at:
                self._versions[index] = version
                return
        self._last[object_id] = (at, len(self._versions))
        self._versions.append(version)

    def _request(self, rng: random.Random) -> Body:
        token = "".join(rng.choices(ALPHANUM, k=14))
        key = "".join(rng.choices("0123456789abcdef", k=32))
        return {
            "id": f"req_{token}",
            "idempotency_key": f"{key[:8]}-{key[8:12]}-{key[12:16]}-{key[16:20]}-{key[20:]}",
        }

    def _event(self, event_type: str, at: int, data: Body, request: Body, rng: random.Random) -> Body:
        return {
            "id": self.ids.stripe("evt", rng),
            "object": "event",
            "api_version": self.api_version,
            "created": at,
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": request,
            "type": event_type,
        }

    def versions(self) -> list[ObjectVersion]:
        """All versions sorted by (valid_from, id)."""
        return sorted(self._versions, key=lambda v: (v.valid_from, v.id))

    def events(self) -> list[Body]:
        """All events sorted by `created` (emission order within a second)."""
        return [event for _, _, event in sorted(self._events, key=lambda e: (e[0], e[1]))]


class VersionLog:
    """Append-only log of object versions without events (the Salesforce and Zendesk views).

    Like :class:`Recorder`, two changes of one object in the same second are coalesced into one
    version, so `(valid_from, id)` is unique and an object's versions are strictly increasing.
    """

    def __init__(self) -> None:
        self._versions: list[ObjectVersion] = []
        self._last: dict[tuple[str, str], tuple[int, int]] = {}

    def put(self, resource: str, object_id: str, at: int, body: Body) -> None:
        """Record `body` as the state of `object_id` of `resource` from `at`."""
        key = (resource, object_id)
        version = ObjectVersion(resource, object_id, at, body)
        last = self._last.get(key)
        if last is not None:
            last_at, index = last
            if at < last_at:
                raise ValueError(f"{object_id}: change at {at} before previous version {last_at}")
            if at == last_at:
                self._versions[index] = version
                return
        self._last[key] = (at, len(self._versions))
        self._versions.append(version)

    def versions(self) -> list[ObjectVersion]:
        """All versions sorted by (valid_from, id)."""
        return sorted(self._versions, key=lambda v: (v.valid_from, v.id))
