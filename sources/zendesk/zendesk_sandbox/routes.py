"""The ``/api/v2`` endpoints a Zendesk tap uses, over the store, Zendesk-shaped."""

from __future__ import annotations

import bisect
from typing import Any
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zendesk_sandbox.errors import ZendeskError, invalid_page, not_found
from zendesk_sandbox.export import (
    cursor_page,
    decode_cursor,
    encode_cursor,
    export_start,
    per_page_of,
    time_page,
)
from zendesk_sandbox.state import SandboxState
from zendesk_sandbox.store import Body

COMMENTS_PAGE_MAX = 100
API_USER_ID = 361_000_000_001


class ZendeskJSON(Response):
    """Compact JSON response (orjson)."""

    media_type = "application/json; charset=utf-8"

    def render(self, content: Any) -> bytes:
        """Serialise ``content`` compactly."""
        return orjson.dumps(content)


def sandbox(request: Request) -> SandboxState:
    """The app's shared state."""
    state: SandboxState = request.app.state.sandbox
    return state


def _url(request: Request, path: str, params: dict[str, Any]) -> str:
    base = str(request.base_url).rstrip("/")
    return f"{base}{path}?{urlencode(params)}"


def _not_deleted(body: Body) -> bool:
    return body.get("status") != "deleted"


def _cursor_export(resource: str) -> Any:
    """``GET /api/v2/incremental/<resource>/cursor.json`` (``start_time`` or ``cursor``)."""

    async def endpoint(request: Request) -> Response:
        state = sandbox(request)
        params = request.query_params
        cutoff = state.store.clock - state.settings.export_lag_seconds
        per_page = per_page_of(params, state.settings.export_page_size)
        cursor = params.get("cursor")
        position = decode_cursor(cursor) if cursor else (export_start(params, cutoff), 0)
        exclude_deleted = params.get("exclude_deleted", "").lower() == "true"
        page = cursor_page(
            state.store.indexes[resource], position, cutoff, per_page, keep=_not_deleted if exclude_deleted else None
        )
        path = request.url.path
        extra = {"per_page": per_page} if "per_page" in params else {}
        after = encode_cursor(page.after)
        before = encode_cursor(page.before) if page.before is not None else None
        return ZendeskJSON(
            {
                resource: page.items,
                "after_url": _url(request, path, {"cursor": after, **extra}),
                "after_cursor": after,
                "before_url": _url(request, path, {"cursor": before, **extra}) if before else None,
                "before_cursor": before,
                "end_of_stream": page.end_of_stream,
            }
        )

    return endpoint


def _time_export(resource: str) -> Any:
    """``GET /api/v2/incremental/<resource>.json?start_time=…`` (time-based)."""

    async def endpoint(request: Request) -> Response:
        state = sandbox(request)
        params = request.query_params
        cutoff = state.store.clock - state.settings.export_lag_seconds
        start_time = export_start(params, cutoff)
        per_page = per_page_of(params, state.settings.export_page_size)
        page = time_page(state.store.indexes[resource], start_time, cutoff, per_page)
        extra = {"per_page": per_page} if "per_page" in params else {}
        return ZendeskJSON(
            {
                resource: page.items,
                "count": len(page.items),
                "end_time": page.end_time,
                "next_page": _url(request, request.url.path, {"start_time": page.end_time, **extra}),
                "end_of_stream": page.end_of_stream,
            }
        )

    return endpoint


def _page_size(request: Request) -> int:
    raw = request.query_params.get("page[size]")
    if raw is None or raw == "":
        return COMMENTS_PAGE_MAX
    try:
        size = int(raw)
    except ValueError:
        raise invalid_page("page[size] must be an integer") from None
    if not 1 <= size <= COMMENTS_PAGE_MAX:
        raise invalid_page(f"page[size] must be between 1 and {COMMENTS_PAGE_MAX}")
    return size


async def ticket_comments(request: Request) -> Response:
    """``GET /api/v2/tickets/{id}/comments.json``: cursor pagination (``page[size]``, ``page[after]``)."""
    state = sandbox(request)
    try:
        ticket_id = int(request.path_params["ticket_id"])
    except ValueError:
        raise not_found() from None
    ticket = state.store.ticket(ticket_id)
    if ticket is None or ticket.get("status") == "deleted":
        raise not_found()
    size = _page_size(request)
    thread = state.store.comments.get(ticket_id)
    keys = thread.keys if thread else []
    after = request.query_params.get("page[after]")
    start = bisect.bisect_right(keys, decode_cursor(after, "page[after]")) if after else 0
    stop = min(start + size, len(keys))
    items = thread.bodies[start:stop] if thread else []
    has_more = stop < len(keys)
    after_cursor = encode_cursor(keys[stop - 1]) if stop > start else None
    before_cursor = encode_cursor(keys[start]) if stop > start else None
    path = request.url.path
    return ZendeskJSON(
        {
            "comments": items,
            "meta": {"has_more": has_more, "after_cursor": after_cursor, "before_cursor": before_cursor},
            "links": {
                "next": _url(request, path, {"page[size]": size, "page[after]": after_cursor}) if has_more else None,
                "prev": _url(request, path, {"page[size]": size, "page[before]": before_cursor}) if start else None,
            },
        }
    )


async def me(request: Request) -> Response:
    """``GET /api/v2/users/me.json``: the API token's agent."""
    state = sandbox(request)
    return ZendeskJSON(
        {
            "user": {
                "id": API_USER_ID,
                "name": "AcmeCloud Integration",
                "email": state.settings.email,
                "role": "admin",
                "active": True,
            }
        }
    )


def invalid_endpoint() -> ZendeskError:
    """404 for a path the sandbox does not serve."""
    return ZendeskError(404, "InvalidEndpoint", "Not found")


def api_routes() -> list[Route]:
    """Routes of the API."""
    return [
        Route("/api/v2/incremental/tickets/cursor.json", _cursor_export("tickets"), methods=["GET"]),
        Route("/api/v2/incremental/users/cursor.json", _cursor_export("users"), methods=["GET"]),
        Route("/api/v2/incremental/tickets.json", _time_export("tickets"), methods=["GET"]),
        Route("/api/v2/incremental/users.json", _time_export("users"), methods=["GET"]),
        Route("/api/v2/incremental/organizations.json", _time_export("organizations"), methods=["GET"]),
        Route("/api/v2/tickets/{ticket_id}/comments.json", ticket_comments, methods=["GET"]),
        Route("/api/v2/users/me.json", me, methods=["GET"]),
    ]
