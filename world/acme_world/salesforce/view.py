"""The Salesforce view of the world: every record version, plus the records behind them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from acme_world.billing import CompanyBilling
from acme_world.core import Core
from acme_world.ids import IdFactory
from acme_world.model import Body, ObjectVersion
from acme_world.salesforce import fields as sf
from acme_world.salesforce.records import SfRecord
from acme_world.salesforce.simulator import SalesforceSim
from acme_world.timeline import DAY, Timeline


def days_since_last_activity(body: Body, at: int) -> float | None:
    """`Days_Since_Last_Activity__c` (`TODAY() - LastActivityDate`, UTC) evaluated at `at`."""
    last = body.get("LastActivityDate")
    if last is None:
        return None
    return float(at // DAY - date.fromisoformat(last).toordinal() + date(1970, 1, 1).toordinal())


@dataclass
class SalesforceView:
    """AcmeCloud's Salesforce org as the REST API would show it.

    `versions` are sorted by (valid_from, id); `body` is never None: a deleted record is a body
    with `IsDeleted: true` (what `queryAll` returns from the recycle bin). `records` holds the
    internal records (true company and person) the ground truth is computed from.
    """

    versions: list[ObjectVersion]
    records: dict[str, SfRecord]
    health_score_at: int | None = None
    _version_times: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._version_times = [version.valid_from for version in self.versions]

    def versions_between(self, after: int, until: int) -> list[ObjectVersion]:
        """Versions with `after < valid_from <= until` (epoch seconds)."""
        low = bisect.bisect_right(self._version_times, after)
        high = bisect.bisect_right(self._version_times, until)
        return self.versions[low:high]

    def has_health_score(self, at: int) -> bool:
        """Whether Account has the `Health_Score__c` field at `at` (schema drift switch)."""
        return self.health_score_at is not None and at >= self.health_score_at

    def field_names(self, resource: str, at: int) -> list[str]:
        """API names of `resource`'s fields at `at`, in describe order."""
        return sf.field_names(resource, self.has_health_score(at))

    def describe(self, resource: str, at: int) -> dict[str, Any]:
        """`GET /sobjects/<resource>/describe` as of `at`."""
        return sf.describe(resource, self.has_health_score(at))

    @staticmethod
    def with_formulas(body: Body, at: int) -> Body:
        """`body` as a query at `at` returns it: formula fields evaluated at `at`.

        Formula fields change every day without a change of SystemModstamp; versions carry
        their value as of `valid_from` (and, near the anchor, one version per UTC midnight).
        """
        if body["attributes"]["type"] != "Account":
            return body
        value = days_since_last_activity(body, at)
        if body.get("Days_Since_Last_Activity__c") == value:
            return body
        return {**body, "Days_Since_Last_Activity__c": value}


def build_salesforce(
    seed: int,
    timeline: Timeline,
    core: Core,
    billing: dict[str, CompanyBilling],
    ids: IdFactory,
    health_score_at: int | None = None,
) -> SalesforceView:
    """Simulate AcmeCloud's Salesforce org from the start of history to the horizon."""
    sim = SalesforceSim(seed, timeline, core, billing, ids, health_score_at)
    sim.run()
    return SalesforceView(sim.log.versions(), sim.records, health_score_at)
