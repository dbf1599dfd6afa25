"""A local HTTP server that behaves like the Stripe API, serving the AcmeCloud world.

Public API: :func:`create_app`, :func:`serve`, :class:`SandboxSettings`, :func:`run_in_thread`.
"""

from stripe_sandbox.app import RunningSandbox, create_app, run_in_thread, serve
from stripe_sandbox.settings import SandboxSettings

__all__ = ["RunningSandbox", "SandboxSettings", "create_app", "run_in_thread", "serve"]
