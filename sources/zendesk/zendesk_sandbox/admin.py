"""The ``/_sandbox`` admin API: clock, rate limits and faults, stats. No auth (local tool)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from zendesk_sandbox.errors import ZendeskError, invalid_value
from zendesk_sandbox.routes import ZendeskJSON, sandbox
from zendesk_sandbox.settings import RUNTIME_FIELDS
from zendesk_sandbox.state import SandboxState
from zendesk_sandbox.store import ClockChange

_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400}


def iso(epoch: int) -> str:
    """``2024-01-31T00:00:00Z``."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(value: Any) -> int:
    """Epoch seconds from a number or an ISO 8601 string (naive means UTC)."""
    if isinstance(value, int | float):
        return int(value)
    text = str(value).strip()
    try:
        return int(float(text))
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid_value(f"Invalid instant: {text}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


async def _arguments(request: Request) -> dict[str, Any]:
    """Query parameters merged with a JSON object body (if any)."""
    args: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if raw.strip():
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise invalid_value("Body must be a JSON object") from None
        if not isinstance(data, dict):
            raise invalid_value("Body must be a JSON object")
        args.update(data)
    return args


def clock_info(state: SandboxState) -> dict[str, Any]:
    """The clock, the export cut-off and where the world's changes end."""
    store = state.store
    cutoff = store.clock - state.settings.export_lag_seconds
    return {
        "clock": store.clock,
        "clock_iso": iso(store.clock),
        "export_cutoff": cutoff,
        "anchor": store.anchor,
        "anchor_iso": iso(store.anchor),
        "world_end": store.world_end,
        "world_end_iso": iso(store.world_end),
        "visible": store.visible_counts(),
    }


def _moved(state: SandboxState, change: ClockChange) -> dict[str, Any]:
    return {
        **clock_info(state),
        "previous": change.previous,
        "versions_applied": change.versions_applied,
        "rebuilt": change.rebuilt,
    }


async def get_clock(request: Request) -> Response:
    """``GET /_sandbox/clock``."""
    return ZendeskJSON(clock_info(sandbox(request)))


async def advance(request: Request) -> Response:
    """``POST /_sandbox/advance?seconds=N`` (or ``minutes``/``hours``/``days``, or ``to=``)."""
    state = sandbox(request)
    args = await _arguments(request)
    if "to" in args:
        target = parse_instant(args["to"])
        if target < state.store.clock:
            raise invalid_value("advance cannot move the clock back; use POST /_sandbox/clock")
    else:
        if not any(unit in args for unit in _UNITS):
            raise invalid_value("Give one of seconds, minutes, hours, days or to")
        seconds = 0.0
        for unit, factor in _UNITS.items():
            if unit in args:
                try:
                    seconds += float(args[unit]) * factor
                except (TypeError, ValueError):
                    raise invalid_value(f"Invalid number: {args[unit]}") from None
        if seconds < 0:
            raise invalid_value("advance takes a non-negative amount of time")
        target = state.store.clock + int(seconds)
    return ZendeskJSON(_moved(state, state.store.set_clock(target)))


async def set_clock(request: Request) -> Response:
    """``POST /_sandbox/clock`` with ``to`` (epoch or ISO): any direction; back rebuilds."""
    state = sandbox(request)
    args = await _arguments(request)
    if "to" not in args:
        raise invalid_value("Missing required param: to")
    return ZendeskJSON(_moved(state, state.store.set_clock(parse_instant(args["to"]))))


async def faults(request: Request) -> Response:
    """``GET`` shows, ``POST`` (JSON with runtime fields, or ``{"reset": true}``) changes limits and faults."""
    state = sandbox(request)
    if request.method == "POST":
        args = await _arguments(request)
        base = state.initial_settings if args.pop("reset", False) else state.settings
        unknown = sorted(set(args) - set(RUNTIME_FIELDS))
        if unknown:
            raise invalid_value(f"Unknown setting(s): {', '.join(unknown)}")
        try:
            new = base.updated(args)
            new.validate()
        except (TypeError, ValueError) as exc:
            raise ZendeskError(400, "InvalidValue", str(exc)) from None
        state.faults.configure(new, reseed="seed" in args or base is state.initial_settings)
        state.limits.configure(new)
        state.settings = new
    return ZendeskJSON(state.settings.runtime_dict())


async def stats(request: Request) -> Response:
    """``GET /_sandbox/stats``: counts by route and bucket, achieved rates, utilisation."""
    return ZendeskJSON(sandbox(request).stats_snapshot())


async def reset_stats(request: Request) -> Response:
    """``POST /_sandbox/reset-stats``."""
    state = sandbox(request)
    state.stats.reset()
    return ZendeskJSON(state.stats_snapshot())


async def health(request: Request) -> Response:
    """``GET /_sandbox/health``."""
    return ZendeskJSON({"ok": True, **clock_info(sandbox(request))})


def admin_routes() -> list[Route]:
    """Routes of the admin API."""
    return [
        Route("/_sandbox/health", health, methods=["GET"]),
        Route("/_sandbox/clock", get_clock, methods=["GET"]),
        Route("/_sandbox/clock", set_clock, methods=["POST"]),
        Route("/_sandbox/advance", advance, methods=["POST"]),
        Route("/_sandbox/faults", faults, methods=["GET", "POST"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/reset-stats", reset_stats, methods=["POST"]),
    ]
