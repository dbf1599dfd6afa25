"""A local HTTP server that behaves like the Salesforce API (OAuth, REST query/queryAll, describe,
Bulk API 2.0 query jobs, limits), serving the AcmeCloud world's CRM.

Public API: :func:`create_app`, :func:`serve`, :func:`run_in_thread`, :func:`tap_env`, :class:`SandboxSettings`.
"""

from salesforce_sandbox.app import RunningSandbox, create_app, run_in_thread, serve, tap_env
from salesforce_sandbox.settings import SandboxSettings

__all__ = ["RunningSandbox", "SandboxSettings", "create_app", "run_in_thread", "serve", "tap_env"]
