"""AcmeCloud's Stripe catalog: products, prices (usd/eur/gbp; week, month, quarter, year) and coupons.

Plans Starter/Growth/Scale/Enterprise are flat-fee items; "Additional seats" is a per-seat add-on.
Part-way through history the monthly Starter and Growth prices go up: the old prices are archived
(existing subscriptions keep them) and new ones take over their lookup keys.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from acme_world.ids import IdFactory
from acme_world.model import Body
from acme_world.recorder import Recorder
from acme_world.rng import derive
from acme_world.timeline import HOUR, Timeline

PLANS: tuple[str, ...] = ("starter", "growth", "scale", "enterprise")
SEATS = "seats"
CURRENCIES: tuple[str, ...] = ("usd", "eur", "gbp")
# interval key -> (Stripe interval, interval_count)
INTERVALS: dict[str, tuple[str, int]] = {
    "week": ("week", 1),
    "month": ("month", 1),
    "quarter": ("month", 3),
    "year": ("year", 1),
}
_MONTHLY: dict[str, dict[str, int]] = {
    "starter": {"usd": 2900, "eur": 2900, "gbp": 2500},
    "growth": {"usd": 9900, "eur": 9500, "gbp": 7900},
    "scale": {"usd": 29900, "eur": 27900, "gbp": 24900},
    "enterprise": {"usd": 99900, "eur": 94900, "gbp": 79900},
    SEATS: {"usd": 1200, "eur": 1100, "gbp": 1000},
}
_LEGACY_MONTHLY: dict[str, dict[str, int]] = {
    "starter": {"usd": 1900, "eur": 1900, "gbp": 1500},
    "growth": {"usd": 7900, "eur": 7500, "gbp": 6500},
}
_PRODUCT_NAMES = {
    "starter": ("AcmeCloud Starter", "Everything a small team needs to ship."),
    "growth": ("AcmeCloud Growth", "For growing teams: more projects, more automation."),
    "scale": ("AcmeCloud Scale", "Advanced controls and higher limits for scaling companies."),
    "enterprise": ("AcmeCloud Enterprise", "Enterprise-grade security, support and limits."),
    SEATS: ("Additional seats", "Extra user seats on top of your plan."),
}
CURRENCY_SYMBOLS = {"usd": "$", "eur": "€", "gbp": "£"}


def _round_hundreds(value: float) -> int:
    return max(100, round(value / 100) * 100)


def unit_amount(plan: str, currency: str, interval_key: str, *, legacy: bool = False) -> int:
    """Price in minor units of `plan` for one billing period of `interval_key`."""
    base = (_LEGACY_MONTHLY if legacy else _MONTHLY)[plan][currency]
    if interval_key == "month":
        return base
    if interval_key == "quarter":
        return _round_hundreds(base * 3 * 0.95)
    if interval_key == "year":
        return base * 10
    return _round_hundreds(base * 12 / 52 * 1.1)


@dataclass(frozen=True, slots=True)
class Product:
    """A Stripe product (one per plan, plus the seats add-on)."""

    id: str
    key: str
    name: str


@dataclass(frozen=True, slots=True)
class Price:
    """A recurring Stripe price."""

    id: str
    product: Product
    currency: str
    interval_key: str
    unit_amount: int
    created: int
    archived_at: int | None

    @property
    def plan(self) -> str:
        """Plan key (`starter` ... `enterprise`) or `seats`."""
        return self.product.key

    @property
    def interval(self) -> str:
        """Stripe `recurring.interval`."""
        return INTERVALS[self.interval_key][0]

    @property
    def interval_count(self) -> int:
        """Stripe `recurring.interval_count`."""
        return INTERVALS[self.interval_key][1]

    def active_at(self, at: int) -> bool:
        """Whether new subscriptions could use this price at `at`."""
        return self.created <= at and (self.archived_at is None or at < self.archived_at)


@dataclass(frozen=True, slots=True)
class Coupon:
    """A percent-off coupon."""

    id: str
    name: str
    percent_off: int
    duration: str  # once | repeating | forever
    duration_in_months: int | None
    body: Body


COUPON_SPECS: tuple[tuple[str, str, int, str, int | None], ...] = (
    ("WELCOME20", "Welcome 20% off first invoice", 20, "once", None),
    ("STARTUP50", "Startup program 50% off for 3 months", 50, "repeating", 3),
    ("PARTNER15", "Partner discount 15%", 15, "forever", None),
    ("NONPROFIT25", "Nonprofit 25%", 25, "forever", None),
    ("RETAIN30", "Retention offer 30% off for 3 months", 30, "repeating", 3),
)


@dataclass
class Catalog:
    """Products, prices and coupons, with price bodies as they were at any time."""

    products: dict[str, Product]
    prices: list[Price]
    coupons: dict[str, Coupon]
    price_change_at: int
    _price_bodies: dict[str, tuple[list[int], list[Body]]] = field(default_factory=dict)
    _plan_bodies: dict[int, Body] = field(default_factory=dict)

    def current(self, plan: str, currency: str, interval_key: str, at: int) -> Price:
        """The price new subscriptions get for (plan, currency, interval) at `at`."""
        for price in self.prices:
            if (price.plan, price.currency, price.interval_key) == (plan, currency, interval_key) and price.active_at(
                at
            ):
                return price
        raise LookupError(f"no active price for {plan}/{currency}/{interval_key} at {at}")

    def price_body(self, price_id: str, at: int) -> Body:
        """The price object as it was at `at` (shared, read-only)."""
        times, bodies = self._price_bodies[price_id]
        return bodies[max(0, bisect.bisect_right(times, at) - 1)]

    def plan_body(self, price_id: str, at: int) -> Body:
        """The legacy `plan` object Stripe embeds next to a subscription item's price."""
        price = self.price_body(price_id, at)
        cached = self._plan_bodies.get(id(price))
        if cached is None:
            recurring = price["recurring"]
            cached = {
                "id": price["id"],
                "object": "plan",
                "active": price["active"],
                "amount": price["unit_amount"],
                "amount_decimal": price["unit_amount_decimal"],
                "billing_scheme": "per_unit",
                "created": price["created"],
                "currency": price["currency"],
                "interval": recurring["interval"],
                "interval_count": recurring["interval_count"],
                "livemode": False,
                "metadata": {},
                "meter": None,
                "nickname": price["nickname"],
                "product": price["product"],
                "tiers_mode": None,
                "transform_usage": None,
                "trial_period_days": None,
                "usage_type": "licensed",
            }
            self._plan_bodies[id(price)] = cached
        return cached

    def record_price(self, price_id: str, at: int, body: Body) -> None:
        """Remember a price version for :meth:`price_body`."""
        times, bodies = self._price_bodies.setdefault(price_id, ([], []))
        times.append(at)
        bodies.append(body)


def _product_body(product: Product, description: str, default_price: str, created: int, updated: int) -> Body:
    return {
        "id": product.id,
        "object": "product",
        "active": True,
        "created": created,
        "default_price": default_price,
        "description": description,
        "images": [],
        "livemode": False,
        "marketing_features": [],
        "metadata": {"plan_key": product.key},
        "name": product.name,
        "package_dimensions": None,
        "shippable": None,
        "statement_descriptor": None,
        "tax_code": None,
        "type": "service",
        "unit_label": "seat" if product.key == SEATS else None,
        "updated": updated,
        "url": None,
    }


def _lookup_key(price: Price) -> str:
    return f"{price.plan}_{price.interval_key}_{price.currency}"


def _price_body(price: Price, active: bool, lookup_key: str | None) -> Body:
    interval, count = INTERVALS[price.interval_key]
    return {
        "id": price.id,
        "object": "price",
        "active": active,
        "billing_scheme": "per_unit",
        "created": price.created,
        "currency": price.currency,
        "custom_unit_amount": None,
        "livemode": False,
        "lookup_key": lookup_key,
        "metadata": {},
        "nickname": f"{price.product.name} {price.interval_key}ly ({price.currency.upper()})",
        "product": price.product.id,
        "recurring": {
            "interval": interval,
            "interval_count": count,
            "meter": None,
            "trial_period_days": None,
            "usage_type": "licensed",
        },
        "tax_behavior": "exclusive",
        "tiers_mode": None,
        "transform_quantity": None,
        "type": "recurring",
        "unit_amount": price.unit_amount,
        "unit_amount_decimal": str(price.unit_amount),
    }


def _coupon(spec: tuple[str, str, int, str, int | None], created: int) -> Coupon:
    code, name, percent, duration, months = spec
    body: Body = {
        "id": code,
        "object": "coupon",
        "amount_off": None,
        "created": created,
        "currency": None,
        "duration": duration,
        "duration_in_months": months,
        "livemode": False,
        "max_redemptions": None,
        "metadata": {},
        "name": name,
        "percent_off": float(percent),
        "redeem_by": None,
        "times_redeemed": 0,
        "valid": True,
    }
    return Coupon(code, name, percent, duration, months, body)


def build_catalog(seed: int, timeline: Timeline, ids: IdFactory, recorder: Recorder) -> Catalog:
    """Create the catalog at the start of history and record its versions and events."""
    rng = derive(seed, "stripe", "catalog")
    t0 = timeline.start
    change_at = timeline.fraction(0.45) // HOUR * HOUR
    products = {key: Product(ids.stripe("prod", rng), key, _PRODUCT_NAMES[key][0]) for key in (*PLANS, SEATS)}
    prices: list[Price] = []
    replacements: list[tuple[Price, Price]] = []
    for key, product in products.items():
        for currency in CURRENCIES:
            for interval_key in INTERVALS:
                legacy = interval_key == "month" and key in _LEGACY_MONTHLY
                first = Price(
                    ids.stripe("price", rng),
                    product,
                    currency,
                    interval_key,
                    unit_amount(key, currency, interval_key, legacy=legacy),
                    t0,
                    change_at if legacy else None,
                )
                prices.append(first)
                if legacy:
                    successor = Price(
                        ids.stripe("price", rng),
                        product,
                        currency,
                        interval_key,
                        unit_amount(key, currency, interval_key),
                        change_at,
                        None,
                    )
                    prices.append(successor)
                    replacements.append((first, successor))
    catalog = Catalog(
        products=products,
        prices=prices,
        coupons={spec[0]: _coupon(spec, t0) for spec in COUPON_SPECS},
        price_change_at=change_at,
    )

    def default_price(product: Product, at: int) -> str:
        return catalog.current(product.key, "usd", "month", at).id

    product_bodies: dict[str, Body] = {}
    for key, product in products.items():
        body = _product_body(product, _PRODUCT_NAMES[key][1], default_price(product, t0), t0, t0)
        product_bodies[key] = body
        recorder.put("product", product.id, t0, body, ["product.created"], rng)
    for price in prices:
        if price.created == t0:
            body = _price_body(price, True, _lookup_key(price))
            catalog.record_price(price.id, t0, body)
            recorder.put("price", price.id, t0, body, ["price.created"], rng)

    # The price increase: archive the old prices, create their successors, move defaults.
    for old, new in replacements:
        archived = _price_body(old, False, None)
        catalog.record_price(old.id, change_at, archived)
        recorder.put("price", old.id, change_at, archived, ["price.updated"], rng, via_api=True)
        created = _price_body(new, True, _lookup_key(new))
        catalog.record_price(new.id, change_at, created)
        recorder.put("price", new.id, change_at, created, ["price.created"], rng, via_api=True)
    for key in _LEGACY_MONTHLY:
        product = products[key]
        body = {**product_bodies[key], "default_price": default_price(product, change_at), "updated": change_at}
        product_bodies[key] = body
        recorder.put("product", product.id, change_at, body, ["product.updated"], rng, via_api=True)

    # A product description refresh later on.
    refresh_at = timeline.fraction(0.7) // HOUR * HOUR
    body = {
        **product_bodies["enterprise"],
        "description": "Enterprise-grade security (SSO, SCIM, audit logs), support and limits.",
        "updated": refresh_at,
    }
    recorder.put("product", products["enterprise"].id, refresh_at, body, ["product.updated"], rng, via_api=True)
    return catalog
