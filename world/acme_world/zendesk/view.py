"""The Zendesk view of the world: every object version, plus the plans behind them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from acme_world.billing import CompanyBilling
from acme_world.core import Core
from acme_world.model import ObjectVersion
from acme_world.recorder import VersionLog
from acme_world.salesforce.records import SfRecord
from acme_world.timeline import Timeline
from acme_world.zendesk.records import OrgPlan, TicketPlan, UserPlan
from acme_world.zendesk.shapes import record_organization, record_ticket, record_user
from acme_world.zendesk.simulator import ZendeskPlanner


@dataclass
class ZendeskView:
    """AcmeCloud's Zendesk Support account as its API would show it.

    `versions` are sorted by (valid_from, id); `ObjectVersion.id` is the decimal string of the
    integer `body["id"]`. Bodies are never None: deleted tickets have `status: "deleted"`,
    deleted organizations `deleted_at`, deactivated users `active: false`.
    `organizations`, `users` and `tickets` are the plans the ground truth reads.
    """

    versions: list[ObjectVersion]
    organizations: list[OrgPlan]
    users: list[UserPlan]
    tickets: list[TicketPlan]
    _version_times: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._version_times = [version.valid_from for version in self.versions]

    def versions_between(self, after: int, until: int) -> list[ObjectVersion]:
        """Versions with `after < valid_from <= until` (epoch seconds)."""
        low = bisect.bisect_right(self._version_times, after)
        high = bisect.bisect_right(self._version_times, until)
        return self.versions[low:high]


def build_zendesk(
    seed: int, timeline: Timeline, core: Core, billing: dict[str, CompanyBilling], sf_records: dict[str, SfRecord]
) -> ZendeskView:
    """Simulate AcmeCloud's Zendesk account from the start of history to the horizon."""
    planner = ZendeskPlanner(seed, timeline, core, billing, sf_records)
    planner.run()
    log = VersionLog()
    end = timeline.end
    for org in planner.orgs:
        record_organization(log, org, end)
    for user in planner.users:
        record_user(log, user, end)
    for ticket in planner.tickets:
        record_ticket(log, ticket, end)
    return ZendeskView(log.versions(), planner.orgs, planner.users, planner.tickets)
