"""The Zendesk view's internal plans: what each object is, when it changes, and who it truly is.

The simulator fills these in time order per company; the renderer turns them into versions and
the ground truth reads them directly (never the emitted JSON).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from acme_world.core import Person
from acme_world.zendesk.fields import UNSOLVED


@dataclass(slots=True)
class OrgPlan:
    """A Zendesk organization of one company (synced from Salesforce or created by an agent)."""

    key: str
    company_id: str
    created: int
    values: dict[str, Any]
    kind: str  # "synced" | "manual"
    changes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    deleted_at: int | None = None
    chaos: set[str] = field(default_factory=set)
    id: int = 0

    def live_at(self, at: int) -> bool:
        """Created by `at` and not deleted yet."""
        return self.created <= at and (self.deleted_at is None or at < self.deleted_at)


@dataclass(slots=True)
class UserPlan:
    """A Zendesk user: an agent, or one identity (work, personal, phone, chat) of a person."""

    key: str
    person: Person | None
    company_id: str | None
    created: int
    values: dict[str, Any]
    org: OrgPlan | None
    changes: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    chaos: set[str] = field(default_factory=set)
    id: int = 0

    @property
    def person_id(self) -> str | None:
        """The true person (None for agents)."""
        return None if self.person is None else self.person.id

    def org_at(self, at: int) -> OrgPlan | None:
        """The organization the user belonged to at `at`."""
        org = self.org
        for when, change in self.changes:
            if when > at:
                break
            if "organization" in change:
                org = change["organization"]
        return org


@dataclass(slots=True)
class Comment:
    """A comment added by a ticket step."""

    author: UserPlan
    body: str
    public: bool
    id: int = 0


@dataclass(slots=True)
class Step:
    """One update of a ticket at `at`: field changes and maybe a comment."""

    at: int
    changes: dict[str, Any]
    comment: Comment | None = None


@dataclass(slots=True)
class TicketPlan:
    """A ticket's whole life; `status_history` is what the ground truth reads."""

    key: tuple[int, str]
    company_id: str
    requester: UserPlan
    submitter: UserPlan
    org: OrgPlan | None
    created: int
    values: dict[str, Any]
    steps: list[Step] = field(default_factory=list)
    id: int = 0
    history: list[tuple[int, str, str, bool]] = field(default_factory=list)  # status, priority

    def state_at(self, at: int) -> tuple[str, str, bool] | None:
        """(status, priority, escalated) at `at`, None before creation."""
        index = bisect.bisect_right([h[0] for h in self.history], at) - 1
        if index < 0:
            return None
        _, status, priority, escalated = self.history[index]
        return status, priority, escalated

    def open_escalation_at(self, at: int) -> bool:
        """Unsolved at `at` and escalated (tag) or urgent."""
        state = self.state_at(at)
        return state is not None and state[0] in UNSOLVED and (state[2] or state[1] == "urgent")
