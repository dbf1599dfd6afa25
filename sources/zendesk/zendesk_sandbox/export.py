"""Incremental export and cursor paging over the store (pure functions, no HTTP).

* Cursor-based exports (``/incremental/tickets/cursor.json``, ``/incremental/users/cursor.json``):
  a cursor is a position ``(updated, id)`` in the export order; a page holds the objects after it.
  A client that keeps the last ``after_cursor`` never misses nor repeats an object, however many
  share one second.
* Time-based exports (``/incremental/organizations.json``, ``/incremental/users.json``): objects
  with ``updated >= start_time``; ``end_time`` is the last object's time and the next page starts
  there, so objects of that second come again (clients drop the duplicates). A page never splits a
  second: it grows past ``per_page`` to hold every object of its last second, so paging always
  moves forward.

Objects changed less than ``export_lag_seconds`` before the clock are left out, like Zendesk
leaves out the last minute.
"""

from __future__ import annotations

import base64
import binascii
import bisect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zendesk_sandbox.errors import ZendeskError, invalid_value
from zendesk_sandbox.store import Body, Key, ResourceIndex

MAX_ID = 2**63


def encode_cursor(key: Key) -> str:
    """An opaque cursor for position ``(updated, id)``."""
    return base64.urlsafe_b64encode(f"{key[0]}.{key[1]}".encode()).decode()


def decode_cursor(cursor: str, param: str = "cursor") -> Key:
    """The position of a cursor; 400 when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        stamp, _, object_id = text.partition(".")
        return int(stamp), int(object_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise invalid_value(f"{param} is invalid") from None


@dataclass
class CursorPage:
    """One page of a cursor-based export."""

    items: list[Body]
    after: Key
    before: Key | None
    end_of_stream: bool


@dataclass
class TimePage:
    """One page of a time-based export."""

    items: list[Body]
    end_time: int
    end_of_stream: bool


def cursor_page(
    index: ResourceIndex,
    position: Key,
    cutoff: int,
    per_page: int,
    keep: Callable[[Body], bool] | None = None,
) -> CursorPage:
    """Objects after ``position`` (exclusive) up to ``cutoff`` (inclusive), at most ``per_page``."""
    keys = index.keys
    start = bisect.bisect_right(keys, position)
    end = bisect.bisect_right(keys, (cutoff, MAX_ID))
    items: list[Body] = []
    after = position
    before: Key | None = None
    at = start
    while at < end and len(items) < per_page:
        key = keys[at]
        body = index.bodies[key[1]]
        after = key
        if keep is None or keep(body):
            items.append(body)
            before = before or key
        at += 1
    return CursorPage(items, after, before, end_of_stream=at >= end)


def time_page(index: ResourceIndex, start_time: int, cutoff: int, per_page: int) -> TimePage:
    """Objects with ``start_time <= updated <= cutoff``: ``per_page`` plus the rest of the last second."""
    keys = index.keys
    start = bisect.bisect_left(keys, (start_time, -1))
    end = bisect.bisect_right(keys, (cutoff, MAX_ID))
    stop = min(start + per_page, end)
    if stop > start:
        last_second = keys[stop - 1][0]
        stop = bisect.bisect_right(keys, (last_second, MAX_ID), lo=stop, hi=end)
    chosen = keys[start:stop]
    end_time = chosen[-1][0] if chosen else start_time
    items = [index.bodies[object_id] for _, object_id in chosen]
    return TimePage(items, end_time, end_of_stream=stop >= end)


def export_start(params: Any, cutoff: int) -> int:
    """``start_time`` of an export request: required, an integer, at least a minute old."""
    raw = params.get("start_time")
    if raw is None or raw == "":
        raise invalid_value("start_time is required")
    try:
        start_time = int(raw)
    except ValueError:
        raise invalid_value("start_time must be an integer (epoch seconds)") from None
    if start_time > cutoff:
        raise ZendeskError(400, "InvalidValue", "Too recent start_time. Use a start_time older than 1 minute ago.")
    return max(start_time, 0)


def per_page_of(params: Any, default: int) -> int:
    """``per_page`` (1..1000)."""
    raw = params.get("per_page")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid_value("per_page must be an integer") from None
    if not 1 <= value <= 1000:
        raise invalid_value("per_page must be between 1 and 1000")
    return value
