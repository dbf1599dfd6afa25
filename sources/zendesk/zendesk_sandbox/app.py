"""App factory, ``serve`` (uvicorn), a background-thread runner and the tap's environment."""

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
from starlette.responses import Response

from zendesk_sandbox.admin import admin_routes
from zendesk_sandbox.errors import ZendeskError
from zendesk_sandbox.faults import FaultInjector
from zendesk_sandbox.logs import configure_default_logging
from zendesk_sandbox.middleware import SandboxMiddleware
from zendesk_sandbox.ratelimit import RateLimits
from zendesk_sandbox.routes import ZendeskJSON, api_routes, invalid_endpoint
from zendesk_sandbox.settings import SandboxSettings
from zendesk_sandbox.state import SandboxState
from zendesk_sandbox.stats import RequestStats
from zendesk_sandbox.store import SandboxStore, WorldLike

if TYPE_CHECKING:
    from acme_world import WorldConfig

logger = logging.getLogger(__name__)

TAP_ENV_PREFIX = "TAP_ZENDESK_"
_TRUNCATION_NOISE = "ASGI callable returned without completing response."


class _TruncationNoiseFilter(logging.Filter):
    """Drop uvicorn's error line for responses cut short on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _TRUNCATION_NOISE


async def _zendesk_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ZendeskError)
    return ZendeskJSON(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = invalid_endpoint() if exc.status_code in (404, 405) else ZendeskError(exc.status_code, str(exc.detail))
    return ZendeskJSON(error.body(), status_code=error.status)


def create_app(world: WorldLike, settings: SandboxSettings | None = None) -> Starlette:
    """A Starlette app serving ``world.zendesk`` like the Zendesk API, clock at ``world.anchor``."""
    settings = settings or SandboxSettings()
    settings.validate()
    started = time.perf_counter()
    store = SandboxStore(world, settings.start_clock)
    state = SandboxState(
        settings=settings,
        store=store,
        limits=RateLimits(settings),
        faults=FaultInjector(settings),
        stats=RequestStats(),
        initial_settings=settings,
    )
    app = Starlette(
        routes=[*api_routes(), *admin_routes()],
        middleware=[Middleware(SandboxMiddleware, state=state)],
        exception_handlers={ZendeskError: _zendesk_error, HTTPException: _http_error},
    )
    app.state.sandbox = state
    logger.info(
        "zendesk sandbox ready",
        extra={
            "source": "zendesk",
            "clock": store.clock,
            "objects": store.visible_counts(),
            "index_seconds": round(time.perf_counter() - started, 3),
        },
    )
    return app


def tap_env(url: str, settings: SandboxSettings | None = None) -> dict[str, str]:
    """``TAP_ZENDESK_*`` variables that point tap-zendesk at a sandbox served at ``url``.

    Credentials and the sandbox's rate limits, so the tap paces itself to the limits it meets.
    """
    settings = settings or SandboxSettings()
    return {
        f"{TAP_ENV_PREFIX}API_URL": url,
        f"{TAP_ENV_PREFIX}EMAIL": settings.email,
        f"{TAP_ENV_PREFIX}API_TOKEN": settings.api_token,
        f"{TAP_ENV_PREFIX}EXPORT_REQUESTS_PER_MINUTE": str(settings.export_requests_per_minute),
        f"{TAP_ENV_PREFIX}REQUESTS_PER_MINUTE": str(settings.requests_per_minute),
    }


def serve(
    host: str = "127.0.0.1",
    port: int = 12113,
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
    gc.freeze()  # the world is a big static heap: keep it out of full collections
    logging.getLogger("uvicorn.error").addFilter(_TruncationNoiseFilter())
    logger.info("serving zendesk sandbox", extra={"source": "zendesk", "host": host, "port": port})
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
        """The live state (clock, limits, stats); change it only through the admin API while serving."""
        state: SandboxState = self.app.state.sandbox
        return state

    def tap_env(self) -> dict[str, str]:
        """:func:`tap_env` for this sandbox."""
        return tap_env(self.url, self.state.settings)

    def stop(self) -> None:
        """Shut the server down and join its thread."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextlib.contextmanager
def run_in_thread(
    world: WorldLike, settings: SandboxSettings | None = None, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve ``world`` on ``host:port`` (0 = ephemeral) in a daemon thread; yields the running sandbox."""
    app = create_app(world, settings)
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on such sockets (else +40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=1, lifespan="off")
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_TruncationNoiseFilter())
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="zendesk-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("zendesk sandbox did not start")
        time.sleep(0.01)
    running = RunningSandbox(f"http://{host}:{bound_port}", app, server, thread)
    try:
        yield running
    finally:
        running.stop()
        sock.close()
