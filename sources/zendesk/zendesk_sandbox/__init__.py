"""A local HTTP server that behaves like the Zendesk Support API, serving the AcmeCloud world.

Public API: :func:`create_app`, :func:`serve`, :func:`run_in_thread`, :func:`tap_env`,
:class:`SandboxSettings`.
"""

from zendesk_sandbox.app import RunningSandbox, create_app, run_in_thread, serve, tap_env
from zendesk_sandbox.settings import SandboxSettings

__all__ = ["RunningSandbox", "SandboxSettings", "create_app", "run_in_thread", "serve", "tap_env"]
