"""The mutable state of one sandbox app: settings, store (clock), limits, faults, stats, jobs."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from salesforce_sandbox.bulk import BulkJobs
from salesforce_sandbox.faults import FaultInjector
from salesforce_sandbox.limits import ApiUsage, TokenStore
from salesforce_sandbox.settings import SandboxSettings
from salesforce_sandbox.stats import RequestStats
from salesforce_sandbox.store import SalesforceStore, WorldLike

#: Open query cursors kept for ``nextRecordsUrl`` (Salesforce keeps a few per user).
MAX_CURSORS = 50


@dataclass
class QueryCursor:
    """The rest of a REST query's rows, served page by page through ``nextRecordsUrl``."""

    records: list[dict[str, Any]]
    page_size: int
    all_rows: bool


@dataclass
class SandboxState:
    """Shared by the middleware, the API routes and the admin routes."""

    settings: SandboxSettings
    world: WorldLike
    store: SalesforceStore
    faults: FaultInjector
    stats: RequestStats
    tokens: TokenStore
    usage: ApiUsage
    jobs: BulkJobs
    #: The start-up settings (``POST /_sandbox/faults {"reset": true}`` returns to them).
    initial_settings: SandboxSettings
    cursors: OrderedDict[str, QueryCursor] = field(default_factory=OrderedDict)

    def remember(self, locator: str, cursor: QueryCursor) -> None:
        """Keep a cursor, dropping the oldest beyond :data:`MAX_CURSORS`."""
        self.cursors[locator] = cursor
        while len(self.cursors) > MAX_CURSORS:
            self.cursors.popitem(last=False)
