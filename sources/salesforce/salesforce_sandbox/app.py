"""App factory, ``serve`` (uvicorn), a background-thread runner, and the tap environment.

The main job starts the sandbox with ``run_in_thread(world, settings)`` and points the tap at it
with ``tap_env(url, settings)`` (see ``orchestration/acme_orchestration/sandboxes.py``).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from salesforce_sandbox.admin import admin_routes
from salesforce_sandbox.bulk import BulkJobs
from salesforce_sandbox.errors import SalesforceError, not_found
from salesforce_sandbox.faults import FaultInjector
from salesforce_sandbox.limits import ApiUsage, TokenStore
from salesforce_sandbox.logs import configure_default_logging
from salesforce_sandbox.middleware import SandboxMiddleware
from salesforce_sandbox.routes import api_routes
from salesforce_sandbox.settings import SandboxSettings
from salesforce_sandbox.state import SandboxState
from salesforce_sandbox.stats import RequestStats
from salesforce_sandbox.store import SalesforceStore, WorldLike, with_health_score

if TYPE_CHECKING:
    from acme_world import WorldConfig

logger = logging.getLogger(__name__)

_TRUNCATION_NOISE = "ASGI callable returned without completing response."


class _TruncationNoiseFilter(logging.Filter):
    """Drop uvicorn's error line for responses cut short on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _TRUNCATION_NOISE


async def _salesforce_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesforceError)
    return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = (
        not_found(request.url.path)
        if exc.status_code in (404, 405)
        else SalesforceError(exc.status_code, "API_ERROR", str(exc.detail))
    )
    return JSONResponse(error.body(), status_code=error.status)


def create_app(world: WorldLike, settings: SandboxSettings | None = None) -> Starlette:
    """A Starlette app serving ``world.salesforce`` like the Salesforce API, clock at ``world.anchor``."""
    settings = settings or SandboxSettings()
    settings.validate()
    started = time.perf_counter()
    anchor = int(world.anchor.timestamp())
    store = SalesforceStore(with_health_score(world, settings.health_score_after_hours), anchor, settings.start_clock)
    state = SandboxState(
        settings=settings,
        world=world,
        store=store,
        faults=FaultInjector(settings),
        stats=RequestStats(),
        tokens=TokenStore(settings.token_ttl_seconds, settings.token_max_uses),
        usage=ApiUsage(settings.daily_api_limit, settings.api_usage_start, store.clock),
        jobs=BulkJobs(),
        initial_settings=settings,
    )
    app = Starlette(
        routes=[*api_routes(), *admin_routes()],
        middleware=[Middleware(SandboxMiddleware, state=state)],
        exception_handlers={SalesforceError: _salesforce_error, HTTPException: _http_error},
    )
    app.state.sandbox = state
    logger.info(
        "salesforce sandbox ready",
        extra={
            "source": "salesforce",
            "clock": store.clock,
            "versions": len(store.view.versions),
            "index_seconds": round(time.perf_counter() - started, 3),
        },
    )
    return app


def tap_env(url: str, settings: SandboxSettings | None = None) -> dict[str, str]:
    """``TAP_SALESFORCE_*`` variables that point the tap at a sandbox at ``url`` with valid credentials."""
    settings = settings or SandboxSettings()
    return {
        "TAP_SALESFORCE_API_URL": url,
        "TAP_SALESFORCE_CLIENT_ID": settings.client_id,
        "TAP_SALESFORCE_CLIENT_SECRET": settings.client_secret,
        "TAP_SALESFORCE_REFRESH_TOKEN": settings.refresh_token,
    }


def serve(
    host: str = "127.0.0.1",
    port: int = 12112,
    world_config: WorldConfig | None = None,
    settings: SandboxSettings | None = None,
) -> None:
    """Build the world from ``world_config`` and serve it with uvicorn until interrupted."""
    from acme_world import WorldConfig, build_world

    configure_default_logging()
    settings = settings or SandboxSettings()
    world = build_world(world_config if world_config is not None else WorldConfig())
    app = create_app(world, settings)
    gc.collect()
    gc.freeze()
    logging.getLogger("uvicorn.error").addFilter(_TruncationNoiseFilter())
    logger.info("serving salesforce sandbox", extra={"source": "salesforce", "host": host, "port": port})
    uvicorn.run(app, host=host, port=port, access_log=settings.access_log, log_level="info")


@dataclass
class RunningSandbox:
    """A sandbox served from a background thread (see :func:`run_in_thread`)."""

    url: str
    app: Starlette
    server: uvicorn.Server
    thread: threading.Thread

    @property
    def state(self) -> SandboxState:
        """The live state (settings, clock, faults, stats)."""
        state: SandboxState = self.app.state.sandbox
        return state

    def stop(self) -> None:
        """Shut the server down and join its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextlib.contextmanager
def run_in_thread(
    world: WorldLike, settings: SandboxSettings | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve ``world`` on ``host:port`` (0 = ephemeral) in a thread; yields the running sandbox."""
    app = create_app(world, settings)
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on such sockets (else +40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=1, lifespan="off")
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_TruncationNoiseFilter())
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="salesforce-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("salesforce sandbox did not start")
        time.sleep(0.01)
    running = RunningSandbox(f"http://{host}:{bound_port}", app, server, thread)
    try:
        yield running
    finally:
        running.stop()
        sock.close()
