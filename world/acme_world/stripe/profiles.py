"""Who becomes a Stripe customer, when, and with which initial plan and behaviour."""

from __future__ import annotations

import random
from dataclasses import dataclass

from acme_world.core import Company, Core
from acme_world.rng import chance, derive, weighted
from acme_world.stripe.catalog import PLANS
from acme_world.timeline import DAY, HOUR, Timeline, to_epoch
from acme_world.vocab import COUNTRIES

_CURRENCY = {country.code: country.currency for country in COUNTRIES}
_PLAN_WEIGHTS: dict[str, tuple[float, float, float, float]] = {
    "1-10": (70, 25, 5, 0),
    "11-50": (35, 45, 17, 3),
    "51-200": (10, 40, 40, 10),
    "201-1000": (3, 22, 50, 25),
    "1001-5000": (0, 10, 45, 45),
    "5001+": (0, 5, 30, 65),
}
INTERVAL_WEIGHTS: tuple[tuple[str, float], ...] = (
    ("month", 70),
    ("year", 17),
    ("quarter", 6),
    ("week", 7),
)


@dataclass(frozen=True, slots=True)
class CustomerProfile:
    """The initial facts of one Stripe customer; the simulator plays out the rest."""

    key: str  # stable key for the customer's random stream
    company: Company
    created: int
    currency: str
    plan: str
    interval_key: str
    seats: int  # 0 = no seats add-on
    coupon: str | None
    subscribes: bool
    fail_rate: float
    migrated: bool
    duplicate: bool


def _signup(rng: random.Random, company: Company, timeline: Timeline) -> tuple[int, bool]:
    created = to_epoch(company.created)
    if created < timeline.start:
        if chance(rng, 0.6):
            return timeline.start + HOUR + int(rng.uniform(0, 14 * DAY)), True
        return timeline.start + int(rng.expovariate(1 / (150 * DAY))), False
    return created + int(rng.expovariate(1 / (25 * DAY))) + int(rng.uniform(600, DAY)), False


def _coupon(rng: random.Random, company: Company) -> str | None:
    options: list[tuple[str | None, float]] = [
        (None, 86),
        ("WELCOME20", 6),
        ("PARTNER15", 3),
        ("STARTUP50", 3 if company.size in ("1-10", "11-50") else 0),
        ("NONPROFIT25", 20 if company.industry == "Nonprofit" else 1),
    ]
    return weighted(rng, options)


def _profile(
    key: str, rng: random.Random, company: Company, created: int, migrated: bool, duplicate: bool
) -> CustomerProfile:
    currency = _CURRENCY[company.country]
    if currency != "usd" and chance(rng, 0.05):
        currency = "usd"
    plan = weighted(rng, list(zip(PLANS, _PLAN_WEIGHTS[company.size], strict=True)))
    seats = 0
    if chance(rng, 0.3 + 0.1 * PLANS.index(plan)):
        seats = rng.randint(1, max(1, min(60, company.employees // 8)))
    return CustomerProfile(
        key=key,
        company=company,
        created=created,
        currency=currency,
        plan=plan,
        interval_key=weighted(rng, INTERVAL_WEIGHTS),
        seats=seats,
        coupon=_coupon(rng, company),
        subscribes=chance(rng, 0.5 if duplicate else 0.94),
        fail_rate=0.25 if chance(rng, 0.15) else 0.04,
        migrated=migrated,
        duplicate=duplicate,
    )


def build_profiles(seed: int, core: Core, timeline: Timeline) -> list[CustomerProfile]:
    """Profiles of every Stripe customer created up to the horizon, in creation order."""
    profiles: list[CustomerProfile] = []
    for company in core.companies:
        rng = derive(seed, "stripe", "profile", company.id)
        if not chance(rng, 0.72):
            continue
        created, migrated = _signup(rng, company, timeline)
        if created > timeline.end:
            continue
        profiles.append(_profile(company.id, rng, company, created, migrated, duplicate=False))
        if chance(rng, 0.05):
            later = created + int(rng.uniform(1, 300) * DAY)
            if later <= timeline.end:
                profiles.append(_profile(f"{company.id}-dup", rng, company, later, False, duplicate=True))
    profiles.sort(key=lambda p: (p.created, p.key))
    return profiles
