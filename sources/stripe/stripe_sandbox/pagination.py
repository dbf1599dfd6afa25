"""Stripe list parameters (limit, cursors, created ranges) and paging over sorted keys.

Objects are indexed by ``(created, id)`` ascending; Stripe lists newest first, so a page walks the
index backwards. Cursor and ``created`` bounds become index positions with ``bisect``, so a page
costs ``O(log n + scanned)`` however deep the cursor is.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from stripe_sandbox.errors import StripeError, invalid_param

Key = tuple[int, str]
Predicate = Callable[[str], bool]

DEFAULT_LIMIT = 10
MAX_LIMIT = 100
#: Embedded lists (subscription.items, invoice.lines) show this many rows, like Stripe.
EMBEDDED_LIMIT = 10

_CREATED_OPS = ("gt", "gte", "lt", "lte")


class QueryParams:
    """Read-only view of query parameters, tolerant of ``a[]`` / ``a[0]`` list spellings."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._items = list(items)
        self._first: dict[str, str] = {}
        for key, value in self._items:
            self._first.setdefault(key, value)

    def get(self, key: str) -> str | None:
        """The first value of ``key`` (empty strings count as absent, as in Stripe)."""
        value = self._first.get(key)
        return value if value not in (None, "") else None

    def get_list(self, key: str) -> list[str]:
        """Values of ``key[]``, ``key[0]``, ``key[1]`` … and ``key`` itself."""
        out: list[str] = []
        for name, value in self._items:
            if name == key or name == f"{key}[]" or (name.startswith(f"{key}[") and name[len(key) + 1 : -1].isdigit()):
                out.append(value)
        return out

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> QueryParams:
        """Convenience constructor for tests."""
        return cls([(k, str(v)) for k, v in data.items()])


def parse_int(params: QueryParams, name: str) -> int | None:
    """An optional integer parameter; 400 ``Invalid integer`` otherwise."""
    raw = params.get(name)
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise invalid_param(f"Invalid integer: {raw}", name) from None


def parse_bool(params: QueryParams, name: str) -> bool | None:
    """An optional boolean parameter (``true``/``false``)."""
    raw = params.get(name)
    if raw is None:
        return None
    if raw.lower() in ("true", "1"):
        return True
    if raw.lower() in ("false", "0"):
        return False
    raise invalid_param(f"Invalid boolean: {raw}", name)


@dataclass(frozen=True)
class ListParams:
    """The paging part of a Stripe list request."""

    limit: int = DEFAULT_LIMIT
    starting_after: str | None = None
    ending_before: str | None = None
    created_gte: int | None = None
    created_lt: int | None = None

    @classmethod
    def parse(cls, params: QueryParams) -> ListParams:
        """Validate ``limit``, cursors and ``created`` filters like Stripe."""
        limit = parse_int(params, "limit")
        if limit is None:
            limit = DEFAULT_LIMIT
        if limit < 1:
            raise StripeError(
                400,
                f"This value must be greater than or equal to 1 (it currently is '{limit}').",
                code="parameter_invalid_integer",
                param="limit",
            )
        if limit > MAX_LIMIT:
            raise StripeError(
                400,
                f"This value must be less than or equal to {MAX_LIMIT} (it currently is '{limit}').",
                code="parameter_invalid_integer",
                param="limit",
            )
        starting_after = params.get("starting_after")
        ending_before = params.get("ending_before")
        if starting_after and ending_before:
            raise StripeError(400, "You may only specify one of these parameters: ending_before, starting_after.")
        gte, lt = None, None
        exact = parse_int(params, "created")
        if exact is not None:
            gte, lt = exact, exact + 1
        for op in _CREATED_OPS:
            value = parse_int(params, f"created[{op}]")
            if value is None:
                continue
            if op in ("gt", "gte"):
                low = value + 1 if op == "gt" else value
                gte = low if gte is None else max(gte, low)
            else:
                high = value + 1 if op == "lte" else value
                lt = high if lt is None else min(lt, high)
        return cls(limit, starting_after, ending_before, gte, lt)


@dataclass
class Page:
    """A page of ids (newest first) and whether more exist in the walking direction."""

    ids: list[str]
    has_more: bool


def key_bounds(keys: Sequence[Key], params: ListParams) -> tuple[int, int]:
    """Index range ``[lo, hi)`` of ``keys`` inside the ``created`` filter."""
    lo = 0 if params.created_gte is None else bisect_left(keys, (params.created_gte, ""))
    hi = len(keys) if params.created_lt is None else bisect_left(keys, (params.created_lt, ""))
    return lo, hi


def page_keys(
    keys: Sequence[Key],
    params: ListParams,
    cursor_key: Key | None,
    predicate: Predicate | None = None,
) -> Page:
    """One page over ascending ``keys``: newest first, after/before ``cursor_key``.

    ``cursor_key`` is the key of ``starting_after`` or ``ending_before`` (whichever is set).
    """
    lo, hi = key_bounds(keys, params)
    limit = params.limit
    found: list[str] = []
    if params.ending_before is not None and cursor_key is not None:
        # Rows newer than the cursor, the `limit` closest to it, still returned newest first.
        lo = max(lo, bisect_right(keys, cursor_key))
        i = lo
        while i < hi and len(found) <= limit:
            oid = keys[i][1]
            if predicate is None or predicate(oid):
                found.append(oid)
            i += 1
        has_more = len(found) > limit
        return Page(list(reversed(found[:limit])), has_more)
    if cursor_key is not None:
        hi = min(hi, bisect_left(keys, cursor_key))
    i = hi - 1
    while i >= lo and len(found) <= limit:
        oid = keys[i][1]
        if predicate is None or predicate(oid):
            found.append(oid)
        i -= 1
    has_more = len(found) > limit
    return Page(found[:limit], has_more)


def page_sequence(ids: Sequence[str], params: ListParams, object_name: str) -> Page:
    """One page over a list in its natural order (invoice lines, subscription items).

    Cursors are positions in the list; an unknown cursor id is a 404 like Stripe.
    """
    limit = params.limit
    cursor = params.starting_after or params.ending_before
    if cursor is None:
        return Page(list(ids[:limit]), len(ids) > limit)
    try:
        pos = list(ids).index(cursor)
    except ValueError:
        param = "starting_after" if params.starting_after else "ending_before"
        raise StripeError(400, f"No such {object_name}: '{cursor}'", code="resource_missing", param=param) from None
    if params.starting_after:
        rest = ids[pos + 1 :]
        return Page(list(rest[:limit]), len(rest) > limit)
    before = ids[:pos]
    return Page(list(before[-limit:]), len(before) > limit)
