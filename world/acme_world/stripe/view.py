"""The Stripe view of the world: every object version and event, plus the records behind them."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from acme_world.core import Core
from acme_world.ids import IdFactory
from acme_world.model import Body, ObjectVersion
from acme_world.recorder import Recorder
from acme_world.rng import derive
from acme_world.stripe.catalog import Catalog, build_catalog
from acme_world.stripe.ledger import Ledger
from acme_world.stripe.profiles import build_profiles
from acme_world.stripe.shapes import API_VERSION
from acme_world.stripe.simulator import Context, CustomerSimulation
from acme_world.timeline import Timeline

RESOURCES: tuple[str, ...] = (
    "customer",
    "product",
    "price",
    "subscription",
    "invoice",
    "charge",
    "refund",
)


@dataclass
class StripeView:
    """Stripe as AcmeCloud's account would show it.

    `versions` are sorted by (valid_from, id) and `events` by `created`; both are plain lists,
    cheap to iterate. `ledger` holds the internal billing records the ground truth is computed from.
    """

    versions: list[ObjectVersion]
    events: list[Body]
    ledger: Ledger
    catalog: Catalog
    _version_times: list[int] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self._version_times = [version.valid_from for version in self.versions]

    def versions_between(self, after: int, until: int) -> list[ObjectVersion]:
        """Versions with `after < valid_from <= until` (epoch seconds)."""
        low = bisect.bisect_right(self._version_times, after)
        high = bisect.bisect_right(self._version_times, until)
        return self.versions[low:high]

    @property
    def coupons(self) -> dict[str, Body]:
        """Coupon objects by id (static; not versioned)."""
        return {coupon_id: coupon.body for coupon_id, coupon in self.catalog.coupons.items()}

    @property
    def discounts(self) -> dict[str, Body]:
        """Discount objects by id, for expanding `discounts` arrays."""
        return {discount_id: d.body for discount_id, d in self.ledger.discounts.items()}


def build_stripe(seed: int, timeline: Timeline, core: Core, ids: IdFactory) -> StripeView:
    """Simulate AcmeCloud's Stripe account from the start of history to the horizon."""
    recorder = Recorder(ids, API_VERSION)
    catalog = build_catalog(seed, timeline, ids, recorder)
    ledger = Ledger()
    ctx = Context(seed, timeline, core, catalog, ledger, recorder, ids)
    for profile in build_profiles(seed, core, timeline):
        CustomerSimulation(ctx, profile, derive(seed, "stripe", "customer", profile.key)).run()
    return StripeView(recorder.versions(), recorder.events(), ledger, catalog)
