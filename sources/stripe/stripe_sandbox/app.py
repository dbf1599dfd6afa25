"""App factory, ``serve`` (uvicorn) and a background-thread runner for tests and benchmarks."""

from __future__ import annotations

import contextlib
import gc
import logging
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import uvicorn
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response

from stripe_sandbox.admin import admin_routes
from stripe_sandbox.errors import StripeError
from stripe_sandbox.faults import FaultInjector
from stripe_sandbox.logs import configure_default_logging
from stripe_sandbox.middleware import SandboxMiddleware
from stripe_sandbox.routes import StripeJSON, api_routes, unrecognized
from stripe_sandbox.settings import SandboxSettings
from stripe_sandbox.state import SandboxState
from stripe_sandbox.stats import RequestStats
from stripe_sandbox.store import SandboxStore, WorldLike
from stripe_sandbox.webhooks import WebhookDispatcher

if TYPE_CHECKING:
    from acme_world import WorldConfig

logger = logging.getLogger(__name__)

_TRUNCATION_NOISE = "ASGI callable returned without completing response."


class _TruncationNoiseFilter(logging.Filter):
    """Drop uvicorn's error line for responses we cut short on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _TRUNCATION_NOISE


async def _stripe_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StripeError)
    return StripeJSON(exc.body(), status_code=exc.status, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    error = unrecognized(request) if exc.status_code in (404, 405) else StripeError(exc.status_code, str(exc.detail))
    return StripeJSON(error.body(), status_code=error.status)


def create_app(world: WorldLike, settings: SandboxSettings | None = None) -> Starlette:
    """A Starlette app serving ``world`` like the Stripe API, clock at ``world.anchor``.

    ``world`` needs ``anchor`` and ``stripe.versions`` / ``stripe.events`` (``acme_world.World``).
    """
    settings = settings or SandboxSettings()
    settings.validate()
    started = time.perf_counter()
    store = SandboxStore(world, settings.start_clock, settings.event_retention_days)
    state = SandboxState(
        settings=settings,
        store=store,
        faults=FaultInjector(settings),
        stats=RequestStats(),
        webhooks=WebhookDispatcher(
            settings.webhook_url,
            settings.webhook_secret,
            settings.webhook_max_attempts,
            settings.webhook_retry_backoff_seconds,
            settings.webhook_timeout_seconds,
        ),
        initial_settings=settings,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await state.webhooks.close()

    app = Starlette(
        routes=[*api_routes(), *admin_routes()],
        middleware=[Middleware(SandboxMiddleware, state=state)],
        exception_handlers={StripeError: _stripe_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.state.sandbox = state
    logger.info(
        "stripe sandbox ready",
        extra={
            "source": "stripe",
            "clock": store.clock,
            "objects": sum(len(i.bodies) for i in store.indexes.values()),
            "events": len(store.events.events),
            "index_seconds": round(time.perf_counter() - started, 3),
        },
    )
    return app


def serve(
    host: str = "127.0.0.1",
    port: int = 12111,
    world_config: WorldConfig | None = None,
    settings: SandboxSettings | None = None,
) -> None:
    """Build the world from ``world_config`` and serve it with uvicorn until interrupted."""
    from acme_world import WorldConfig, build_world

    configure_default_logging()
    settings = settings or SandboxSettings()
    world = build_world(world_config if world_config is not None else WorldConfig())
    app = create_app(world, settings)
    # The world is a big static heap: keep it out of the cyclic GC's full collections.
    gc.collect()
    gc.freeze()
    logging.getLogger("uvicorn.error").addFilter(_TruncationNoiseFilter())
    logger.info("serving stripe sandbox", extra={"source": "stripe", "host": host, "port": port})
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
        """The live state (clock, faults, stats); mutate only via the admin API while serving."""
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
    """Serve ``world`` on ``host:port`` (0 = ephemeral) in a thread; yields the base URL holder."""
    app = create_app(world, settings)
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on such sockets (else +40 ms).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    bound_port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=1, lifespan="on")
    server = uvicorn.Server(config)
    logging.getLogger("uvicorn.error").addFilter(_TruncationNoiseFilter())
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="stripe-sandbox", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("stripe sandbox did not start")
        time.sleep(0.01)
    running = RunningSandbox(f"http://{host}:{bound_port}", app, server, thread)
    try:
        yield running
    finally:
        running.stop()
        sock.close()
