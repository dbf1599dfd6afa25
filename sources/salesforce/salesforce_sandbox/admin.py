"""The ``/_sandbox`` admin API: clock, faults, stats, API usage, tokens, schema drift. No auth (local tool)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from salesforce_sandbox.errors import SalesforceError
from salesforce_sandbox.routes import sandbox
from salesforce_sandbox.settings import FAULT_FIELDS
from salesforce_sandbox.state import SandboxState
from salesforce_sandbox.store import RESOURCES, with_health_score

_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86_400}


def _bad(message: str) -> SalesforceError:
    return SalesforceError(400, "INVALID_INPUT", message)


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
        raise _bad(f"Invalid instant: {text}") from None
    return int((parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp())


async def _arguments(request: Request) -> dict[str, Any]:
    """Query parameters merged with a JSON object body (if any)."""
    args: dict[str, Any] = dict(request.query_params)
    raw = await request.body()
    if raw.strip():
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise _bad("Body must be a JSON object") from None
        if not isinstance(data, dict):
            raise _bad("Body must be a JSON object")
        args.update(data)
    return args


def clock_info(state: SandboxState) -> dict[str, Any]:
    """The clock, the anchor and how many records each object has."""
    store = state.store
    return {
        "clock": store.clock,
        "clock_iso": iso(store.clock),
        "anchor": store.anchor,
        "anchor_iso": iso(store.anchor),
        "records": {resource: store.count(resource) for resource in RESOURCES},
    }


async def get_clock(request: Request) -> Response:
    """``GET /_sandbox/clock``."""
    return JSONResponse(clock_info(sandbox(request)))


async def set_clock(request: Request) -> Response:
    """``POST /_sandbox/clock`` with ``to`` (epoch or ISO): any direction; back rebuilds."""
    state = sandbox(request)
    args = await _arguments(request)
    if "to" not in args:
        raise _bad("Missing required param: to")
    applied = await run_in_threadpool(state.store.set_clock, parse_instant(args["to"]))
    return JSONResponse({**clock_info(state), "versions_applied": applied})


async def advance(request: Request) -> Response:
    """``POST /_sandbox/advance?seconds=N`` (or ``minutes``/``hours``/``days``)."""
    state = sandbox(request)
    args = await _arguments(request)
    if not any(unit in args for unit in _UNITS):
        raise _bad("Give one of seconds, minutes, hours or days")
    try:
        seconds = sum(float(args[unit]) * factor for unit, factor in _UNITS.items() if unit in args)
    except (TypeError, ValueError):
        raise _bad("advance takes numbers") from None
    if seconds < 0:
        raise _bad("advance takes a non-negative amount of time")
    previous = state.store.clock
    applied = await run_in_threadpool(state.store.set_clock, previous + int(seconds))
    return JSONResponse({**clock_info(state), "previous": previous, "versions_applied": applied})


async def faults(request: Request) -> Response:
    """``GET`` shows, ``POST`` (JSON with fault fields, or ``{"reset": true}``) changes faults."""
    state = sandbox(request)
    if request.method == "POST":
        args = await _arguments(request)
        base = state.initial_settings if args.pop("reset", False) else state.settings
        unknown = sorted(set(args) - set(FAULT_FIELDS))
        if unknown:
            raise _bad(f"Unknown fault setting(s): {', '.join(unknown)}")
        try:
            new = base.updated(args)
            new.validate()
        except (TypeError, ValueError) as exc:
            raise _bad(str(exc)) from None
        state.faults.configure(new, reseed="seed" in args or base is state.initial_settings)
        state.settings = new
    return JSONResponse(state.settings.fault_dict())


async def stats(request: Request) -> Response:
    """``GET /_sandbox/stats``: requests by route and status, faults, events, achieved rates."""
    state = sandbox(request)
    out = state.stats.snapshot(state.settings.rate_limit_rps)
    out["api_usage"] = {"used": state.usage.used(state.store.clock), "limit": state.usage.limit}
    out["tokens_issued"] = state.tokens.issued
    return JSONResponse(out)


async def reset_stats(request: Request) -> Response:
    """``POST /_sandbox/reset-stats``."""
    state = sandbox(request)
    state.stats.reset()
    return JSONResponse(state.stats.snapshot(state.settings.rate_limit_rps))


async def usage(request: Request) -> Response:
    """``GET`` the API usage; ``POST {"used": n}`` sets it (and ``{"limit": m}`` the allocation)."""
    state = sandbox(request)
    if request.method == "POST":
        args = await _arguments(request)
        try:
            if "limit" in args:
                state.usage.limit = max(1, int(args["limit"]))
            if "used" in args:
                state.usage.set_used(state.store.clock, max(0, int(args["used"])))
        except (TypeError, ValueError):
            raise _bad("used and limit take whole numbers") from None
    return JSONResponse({"used": state.usage.used(state.store.clock), "limit": state.usage.limit})


async def expire_tokens(request: Request) -> Response:
    """``POST /_sandbox/tokens/expire``: every access token becomes invalid (401 on next use)."""
    return JSONResponse({"expired": sandbox(request).tokens.expire_all()})


async def schema(request: Request) -> Response:
    """``GET`` the drift switch; ``POST {"health_score_after_hours": h}`` (or ``"now"``) turns it on.

    The world's ``Health_Score__c`` appears on Account from anchor + h hours; ``"now"`` picks the
    whole hour at or before the clock, so describe lists the field at once and the bulk scoring
    job bumps ``SystemModstamp`` an hour later.
    """
    state = sandbox(request)
    if request.method == "POST":
        args = await _arguments(request)
        raw = args.get("health_score_after_hours")
        if raw is None:
            raise _bad("Missing required param: health_score_after_hours")
        hours = (state.store.clock - state.store.anchor) // 3600 if raw == "now" else int(raw)
        try:
            view = await run_in_threadpool(with_health_score, state.world, hours)
        except ValueError as exc:
            raise _bad(str(exc)) from None
        await run_in_threadpool(state.store.use_view, view)
        state.settings = state.settings.updated({"health_score_after_hours": hours})
    account_fields = state.store.field_names("Account")
    return JSONResponse(
        {
            "health_score_after_hours": state.settings.health_score_after_hours,
            "account_has_health_score": "Health_Score__c" in account_fields,
        }
    )


async def health(request: Request) -> Response:
    """``GET /_sandbox/health``."""
    return JSONResponse({"ok": True, **clock_info(sandbox(request))})


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
        Route("/_sandbox/usage", usage, methods=["GET", "POST"]),
        Route("/_sandbox/tokens/expire", expire_tokens, methods=["POST"]),
        Route("/_sandbox/schema", schema, methods=["GET", "POST"]),
    ]
