"""The mutable state of one sandbox app: settings, store (clock), faults, stats, webhooks."""

from __future__ import annotations

from dataclasses import dataclass

from stripe_sandbox.faults import FaultInjector
from stripe_sandbox.settings import SandboxSettings
from stripe_sandbox.stats import RequestStats
from stripe_sandbox.store import SandboxStore
from stripe_sandbox.webhooks import WebhookDispatcher


@dataclass
class SandboxState:
    """Shared by the middleware, the API routes and the admin routes."""

    settings: SandboxSettings
    store: SandboxStore
    faults: FaultInjector
    stats: RequestStats
    webhooks: WebhookDispatcher
    #: The start-up settings (``POST /_sandbox/faults {"reset": true}`` returns to them).
    initial_settings: SandboxSettings
