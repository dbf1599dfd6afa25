"""Start every source's sandbox on loopback, all serving views of the same world."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

from acme_world import World

from acme_orchestration import log


@contextlib.contextmanager
def running(
    world: World,
    sources: list[str],
    advanced_seconds: int = 0,
    overrides: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Serve each source's sandbox in a background thread; yields {source: RunningSandbox}.

    Every sandbox package follows the template's convention: ``<source>_sandbox.app.run_in_thread``
    and ``<source>_sandbox.settings.SandboxSettings``. ``overrides`` sets sandbox settings by name
    (e.g. ``{"error_rate": 1.0}``) on every sandbox that has them.
    """
    logger = log.get("sandboxes")
    with contextlib.ExitStack() as stack:
        servers: dict[str, Any] = {}
        for source in sources:
            app_module = importlib.import_module(f"{source}_sandbox.app")
            settings_module = importlib.import_module(f"{source}_sandbox.settings")
            settings = settings_module.SandboxSettings()
            for name, value in (overrides or {}).items():
                if hasattr(settings, name):
                    setattr(settings, name, value)
            if advanced_seconds and hasattr(settings, "start_clock"):
                settings.start_clock = int(world.anchor.timestamp()) + advanced_seconds
            server = stack.enter_context(app_module.run_in_thread(world, settings))
            servers[source] = server
            logger.info("sandbox serving", source=source, url=server.url)
        yield servers


def tap_env(source: str, server: Any) -> dict[str, str]:
    """Environment that points a source's tap at its sandbox.

    A sandbox may define ``tap_env(url, settings)`` in its app module (e.g. OAuth settings);
    otherwise the template's convention applies: ``TAP_<SOURCE>_API_URL`` and ``TAP_<SOURCE>_API_KEY``.
    """
    app_module = importlib.import_module(f"{source}_sandbox.app")
    settings = server.state.settings if hasattr(server.state, "settings") else None
    if hasattr(app_module, "tap_env"):
        return dict(app_module.tap_env(server.url, settings))
    prefix = f"TAP_{source.upper()}"
    env = {f"{prefix}_API_URL": server.url}
    api_key = getattr(settings, "api_key", None)
    if api_key:
        env[f"{prefix}_API_KEY"] = str(api_key)
    return env
