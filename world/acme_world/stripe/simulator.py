"""Plays out one Stripe customer's life as a discrete-event simulation.

Each customer has its own random stream and event queue; actions (renewals, payment attempts,
plan changes, cancellations, updates, deletions) run in time order up to the horizon, mutate the
ledger records and record every resulting object version and event.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from acme_world.core import Core, Person
from acme_world.ids import IdFactory
from acme_world.recorder import Recorder
from acme_world.rng import chance, weighted
from acme_world.stripe import identity, shapes
from acme_world.stripe.catalog import INTERVALS, PLANS, SEATS, Catalog, Price
from acme_world.stripe.ledger import (
    Card,
    ChargeRec,
    CustomerRec,
    DiscountRec,
    InvoiceRec,
    ItemRec,
    Ledger,
    LineRec,
    RefundRec,
    SubscriptionRec,
)
from acme_world.stripe.profiles import CustomerProfile
from acme_world.timeline import DAY, HOUR, Timeline, add_months, from_epoch, period_boundary, to_epoch

RETRY_AFTER_DAYS = (3, 5, 7)  # retries after the first failed attempt
MAX_ATTEMPTS = 1 + len(RETRY_AFTER_DAYS)
FINALIZE_AFTER = HOUR  # renewal invoices stay draft for an hour
CHANGES_PER_MONTH = 0.075  # plan changes, seat changes, cancellations, coupons
UPDATES_MEAN_DAYS = 240  # customer detail changes
FEEDBACK = ("too_expensive", "missing_features", "switched_service", "unused", "other", None)
RETRY_SUCCESS = {"card_declined": 0.35, "insufficient_funds": 0.5, "expired_card": 0.05}

Action = Callable[[int], None]


@dataclass(frozen=True)
class Context:
    """What all customer simulations share."""

    seed: int
    timeline: Timeline
    core: Core
    catalog: Catalog
    ledger: Ledger
    recorder: Recorder
    ids: IdFactory


def percent_of(amount: int, percent: int) -> int:
    """`amount * percent / 100` rounded half away from zero (Stripe rounds per line)."""
    value = (Decimal(amount) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(value)


def prorate(amount: int, remaining: int, span: int) -> int:
    """`amount * remaining / span`, rounded half up, in integer arithmetic."""
    return (2 * amount * remaining + span) // (2 * span)


class CustomerSimulation:
    """The life of one Stripe customer."""

    def __init__(self, ctx: Context, profile: CustomerProfile, rng: random.Random) -> None:
        self.ctx = ctx
        self.profile = profile
        self.rng = rng
        self.company = profile.company
        self.people: list[Person] = ctx.core.people_by_company[self.company.id]
        self.customer: CustomerRec | None = None
        self._queue: list[tuple[int, int, Action]] = []
        self._seq = 0
        self._last_failure: dict[str, str] = {}
        self._card_refreshed_at = -1

    # -- plumbing -------------------------------------------------------------------------------

    def schedule(self, at: int, action: Action) -> None:
        """Run `action(at)` later (ties run in scheduling order)."""
        if at <= self.ctx.timeline.end:
            heapq.heappush(self._queue, (at, self._seq, action))
            self._seq += 1

    def run(self) -> None:
        """Play the whole life up to the horizon."""
        self.schedule(self.profile.created, self.create_customer)
        while self._queue:
            at, _, action = heapq.heappop(self._queue)
            action(at)

    def _id(self, prefix: str) -> str:
        return self.ctx.ids.stripe(prefix, self.rng)

    @property
    def cust(self) -> CustomerRec:
        """The customer record (exists once created)."""
        assert self.customer is not None
        return self.customer

    @property
    def alive(self) -> bool:
        """Created and not deleted."""
        return self.customer is not None and self.customer.deleted_at is None

    def _days(self, low: float, high: float) -> int:
        return int(self.rng.uniform(low, high) * DAY)

    def _emit_customer(self, at: int, events: list[str], via_api: bool = False) -> None:
        body = shapes.customer_body(self.cust)
        self.ctx.recorder.put("customer", self.cust.id, at, body, events, self.rng, via_api=via_api)

    def _emit_subscription(self, at: int, sub: SubscriptionRec, events: list[str], via_api: bool = False) -> None:
        body = shapes.subscription_body(sub, self.ctx.catalog, at, self.cust.card.id)
        self.ctx.recorder.put("subscription", sub.id, at, body, events, self.rng, via_api=via_api)

    def _emit_invoice(self, at: int, invoice: InvoiceRec, events: list[str]) -> None:
        body = shapes.invoice_body(invoice)
        self.ctx.recorder.put("invoice", invoice.id, at, body, events, self.rng)

    def _emit_charge(self, at: int, charge: ChargeRec, events: list[str]) -> None:
        body = shapes.charge_body(charge, self.cust)
        self.ctx.recorder.put("charge", charge.id, at, body, events, self.rng)

    def _new_card(self) -> Card:
        brand = weighted(self.rng, [("visa", 55), ("mastercard", 35), ("amex", 10)])
        last4 = f"{self.rng.randint(0, 9999):04d}"
        exp_month, exp_year = self.rng.randint(1, 12), from_epoch(self.ctx.timeline.end).year + self.rng.randint(1, 5)
        fingerprint = self.ctx.ids.token(self.rng, 16)
        details = {
            "card": shapes.card_details(brand, last4, exp_month, exp_year, fingerprint, self.company.country),
            "type": "card",
        }
        return Card(self._id("pm"), brand, last4, exp_month, exp_year, fingerprint, self.company.country, details)

    # -- customer -------------------------------------------------------------------------------

    def create_customer(self, at: int) -> None:
        """The customer record appears (self-serve signup, sales, or the legacy import)."""
        who = identity.initial_identity(self.rng, self.company, self.people, self.ctx.core.companies, at)
        description = None
        if self.profile.migrated and chance(self.rng, 0.7):
            description = "Imported from legacy billing"
        elif self.profile.duplicate and chance(self.rng, 0.5):
            description = "Second workspace"
        customer = CustomerRec(
            id=self.ctx.ids.stripe("cus", self.rng),
            company_id=self.company.id,
            created=at,
            name=who.name,
            email=who.email,
            phone=who.phone,
            address=who.address,
            description=description,
            metadata=who.metadata,
            invoice_prefix=self.ctx.ids.token(self.rng, 8, "0123456789ABCDEF"),
            preferred_locales=who.preferred_locales,
            card=self._new_card(),
            person_history=[(at, who.person_id)],
        )
        self.customer = customer
        self.ctx.ledger.add_customer(customer)
        self._emit_customer(at, ["customer.created"], via_api=True)
        profile = self.profile
        if profile.subscribes:
            delay = int(self.rng.expovariate(1 / (2 * DAY))) if chance(self.rng, 0.5) else int(self.rng.uniform(5, 600))
            self.schedule(
                at + delay,
                partial(self.start_subscription, profile.plan, profile.interval_key, profile.seats, profile.coupon),
            )
        elif profile.duplicate and chance(self.rng, 0.6):
            self.schedule(at + self._days(3, 60), self.delete_customer)
        self.schedule(at + int(self.rng.expovariate(1 / (UPDATES_MEAN_DAYS * DAY))), self.update_customer)
        renamed_at = self.company.renamed_at
        if renamed_at is not None and to_epoch(renamed_at) > at and chance(self.rng, 0.65):
            self.schedule(to_epoch(renamed_at) + self._days(0, 60), self.follow_rename)
        if chance(self.rng, 0.006):
            self.schedule(at + self._days(30, 600), self.delete_customer)

    def update_customer(self, at: int) -> None:
        """Someone edits the customer's email, address, phone or name."""
        if not self.alive:
            return
        cust = self.cust
        kind = weighted(self.rng, [("email", 40), ("address", 25), ("phone", 15), ("name", 20)])
        if kind == "email":
            email, person_id = identity.customer_email(self.rng, self.company, self.people, cust.email)
            cust.email = email
            cust.person_history.append((at, person_id))
        elif kind == "address":
            cust.address = identity.customer_address(self.rng, self.company)
        elif kind == "phone":
            cust.phone = identity.phone_number(self.rng, self.company.country)
        else:
            cust.name = identity.customer_name(self.rng, self.company, self.people, at)
        self._emit_customer(at, ["customer.updated"], via_api=True)
        self.schedule(at + int(self.rng.expovariate(1 / (UPDATES_MEAN_DAYS * DAY))), self.update_customer)

    def follow_rename(self, at: int) -> None:
        """After the company renamed itself, someone updates the Stripe name."""
        if not self.alive:
            return
        self.cust.name = self.company.name if chance(self.rng, 0.7) else self.company.legal_name
        self._emit_customer(at, ["customer.updated"], via_api=True)

    def refresh_card(self, at: int) -> None:
        """The customer saves a new card (after an expired-card decline)."""
        if not self.alive:
            return
        self.cust.card = self._new_card()
        self._card_refreshed_at = at
        self._emit_customer(at, ["customer.updated"], via_api=True)

    def delete_customer(self, at: int) -> None:
        """The customer is deleted: subscriptions end now, unpaid invoices are voided."""
        if not self.alive:
            return
        ledger = self.ctx.ledger
        for sub in ledger.subscriptions_by_customer[self.cust.id]:
            if sub.live:
                sub.cancellation_reason = "cancellation_requested"
                self._end_subscription(at, sub, follow_up=False)
            for invoice_id in sub.invoice_ids:
                invoice = ledger.invoices[invoice_id]
                if invoice.status in ("draft", "open"):
                    self._void(at, invoice)
        self.cust.deleted_at = at
        self.ctx.recorder.put("customer", self.cust.id, at, None, ["customer.deleted"], self.rng, via_api=True)

    # -- subscriptions --------------------------------------------------------------------------

    def _live_subscriptions(self) -> list[SubscriptionRec]:
        return [s for s in self.ctx.ledger.subscriptions_by_customer[self.cust.id] if s.live]

    def _new_discount(self, at: int, sub: SubscriptionRec, coupon_id: str) -> DiscountRec:
        coupon = self.ctx.catalog.coupons[coupon_id]
        end = None
        if coupon.duration == "repeating" and coupon.duration_in_months:
            end = to_epoch(add_months(from_epoch(at), coupon.duration_in_months))
        discount = DiscountRec(self._id("di"), coupon, self.cust.id, sub.id, at, end)
        discount.body = shapes.discount_body(discount)
        self.ctx.ledger.discounts[discount.id] = discount
        sub.discounts.append(discount)
        if end is not None:
            self.schedule(end, partial(self.remove_discount, sub, discount))
        return discount

    def start_subscription(self, plan: str, interval_key: str, seats: int, coupon: str | None, at: int) -> None:
        """A new subscription (first purchase or reactivation), paid immediately."""
        if not self.alive or self._live_subscriptions():
            return
        cust = self.cust
        if cust.currency is None:
            cust.currency = self.profile.currency
            self._emit_customer(at, ["customer.updated"])
        catalog = self.ctx.catalog
        prices = [catalog.current(plan, cust.currency, interval_key, at)]
        if seats:
            prices.append(catalog.current(SEATS, cust.currency, interval_key, at))
        sub_id = self._id("sub")
        items = [ItemRec(self._id("si"), price, seats if price.plan == SEATS else 1, at) for price in prices]
        interval, count = INTERVALS[interval_key]
        sub = SubscriptionRec(sub_id, cust.id, at, items, at, at, period_boundary(at, interval, count, 1))
        self.ctx.ledger.add_subscription(sub)
        if coupon is not None:
            self._new_discount(at, sub, coupon)
        invoice = self._regular_invoice(at, sub, "subscription_create")
        self._emit_subscription(at, sub, ["customer.subscription.created"], via_api=True)
        self._finalize(at, invoice, ["invoice.created"], first=True)
        self.schedule(sub.period_end, partial(self.renew, sub, sub.cycle))
        self._schedule_change(at, sub)

    def _line(
        self,
        at: int,
        sub: SubscriptionRec,
        item: ItemRec,
        price: Price,
        quantity: int,
        amount: int,
        proration: str | None,
        period: tuple[int, int],
    ) -> LineRec:
        discounts = [(d.id, percent_of(amount, d.coupon.percent_off)) for d in sub.discounts if d.applies(at)]
        return LineRec(
            id=self._id("il"),
            price=price,
            quantity=quantity,
            amount=amount,
            discount_amounts=discounts,
            proration=proration is not None,
            period_start=period[0],
            period_end=period[1],
            subscription_item=item.id,
            description=shapes.line_description(price, quantity, proration, at),
            credited=item.last_charge if proration == "credit" else None,
        )

    def _regular_lines(self, at: int, sub: SubscriptionRec) -> list[LineRec]:
        period = (sub.period_start, sub.period_end)
        return [
            self._line(at, sub, item, item.price, item.quantity, item.price.unit_amount * item.quantity, None, period)
            for item in sub.items
        ]

    def _invoice(self, at: int, sub: SubscriptionRec, reason: str, lines: list[LineRec]) -> InvoiceRec:
        recurring = [line for line in lines if not line.proration]
        if recurring:
            start, end = min(ln.period_start for ln in recurring), max(ln.period_end for ln in recurring)
        else:
            start = end = at
        discount_ids = list(dict.fromkeys(d for line in lines for d, _ in line.discount_amounts))
        cust = self.cust
        invoice = InvoiceRec(
            id=self._id("in"),
            customer_id=cust.id,
            subscription_id=sub.id,
            created=at,
            currency=lines[0].price.currency,
            billing_reason=reason,
            lines=lines,
            period_start=start,
            period_end=end,
            discount_ids=discount_ids,
            customer_snapshot={"address": cust.address, "email": cust.email, "name": cust.name, "phone": cust.phone},
        )
        self.ctx.ledger.add_invoice(invoice)
        sub.latest_invoice = invoice.id
        for line in lines:
            if line.proration and line.amount < 0:
                continue
            for item in sub.items:
                if item.id == line.subscription_item:
                    item.last_charge = (invoice.id, line.id)
        return invoice

    def _regular_invoice(self, at: int, sub: SubscriptionRec, reason: str) -> InvoiceRec:
        invoice = self._invoice(at, sub, reason, self._regular_lines(at, sub))
        for discount in sub.discounts:
            if discount.coupon.duration == "once" and discount.id in invoice.discount_ids:
                discount.used = True
        return invoice

    def renew(self, sub: SubscriptionRec, cycle: int, at: int) -> None:
        """A billing period ends: cancel if requested, else open the next period and invoice it."""
        if not self.alive or not sub.live or sub.cycle != cycle:
            return
        if sub.cancel_at_period_end:
            self._end_subscription(at, sub)
            return
        interval, count = sub.interval
        sub.period_index += 1
        sub.period_start = at
        sub.period_end = period_boundary(sub.billing_cycle_anchor, interval, count, sub.period_index + 1)
        sub.discounts = [d for d in sub.discounts if d.applies(at)]
        invoice = self._regular_invoice(at, sub, "subscription_cycle")
        self._emit_subscription(at, sub, ["customer.subscription.updated"])
        self._emit_invoice(at, invoice, ["invoice.created"])
        self.schedule(at + FINALIZE_AFTER, partial(self.finalize, invoice))
        self.schedule(sub.period_end, partial(self.renew, sub, cycle))

    def _end_subscription(self, at: int, sub: SubscriptionRec, follow_up: bool = True) -> None:
        sub.status = "canceled"
        sub.ended_at = at
        if sub.canceled_at is None:
            sub.canceled_at = at
        self._emit_subscription(at, sub, ["customer.subscription.deleted"])
        if follow_up and not self._live_subscriptions():
            self._after_churn(at)

    def _after_churn(self, at: int) -> None:
        if chance(self.rng, 0.3):
            self.schedule(at + self._days(20, 300), self.reactivate)
        elif chance(self.rng, 0.2):
            self.schedule(at + self._days(10, 200), self.delete_customer)

    def reactivate(self, at: int) -> None:
        """A churned customer comes back with a new subscription."""
        if not self.alive or self._live_subscriptions():
            return
        tier = PLANS.index(self.profile.plan) + self.rng.choice((-1, 0, 0, 1))
        plan = PLANS[min(max(tier, 0), len(PLANS) - 1)]
        interval_key = self.profile.interval_key if chance(self.rng, 0.7) else "month"
        seats = self.profile.seats if chance(self.rng, 0.6) else 0
        self.start_subscription(plan, interval_key, seats, None, at)

    def remove_discount(self, sub: SubscriptionRec, discount: DiscountRec, at: int) -> None:
        """A repeating coupon runs out."""
        if not self.alive or not sub.live or discount not in sub.discounts:
            return
        sub.discounts = [d for d in sub.discounts if d is not discount]
        self._emit_subscription(at, sub, ["customer.subscription.updated"])

    # -- changes during a subscription -----------------------------------------------------------

    def _schedule_change(self, at: int, sub: SubscriptionRec) -> None:
        gap = int(self.rng.expovariate(CHANGES_PER_MONTH / (30 * DAY)))
        self.schedule(at + max(gap, HOUR), partial(self.change, sub))

    def change(self, sub: SubscriptionRec, at: int) -> None:
        """Something happens to a live subscription: plan, seats, billing interval, coupon, cancel."""
        if not self.alive or not sub.live:
            return
        self._schedule_change(at, sub)
        if sub.cancel_at_period_end or sub.status != "active":
            return
        plan_item = sub.items[0]
        tier = PLANS.index(plan_item.price.plan)
        seat_items = [item for item in sub.items if item.price.plan == SEATS]
        kind = weighted(
            self.rng,
            [
                ("upgrade", 24 if tier < len(PLANS) - 1 else 0),
                ("downgrade", 10 if tier > 0 else 0),
                ("seats", 22 if seat_items else 0),
                ("annual", 6 if plan_item.price.interval_key != "year" else 0),
                ("cancel_at_period_end", 14),
                ("cancel_now", 5),
                ("coupon", 4 if not sub.discounts else 0),
            ],
        )
        catalog, currency = self.ctx.catalog, plan_item.price.currency
        if kind in ("upgrade", "downgrade"):
            plan = PLANS[tier + (1 if kind == "upgrade" else -1)]
            price = catalog.current(plan, currency, plan_item.price.interval_key, at)
            self._change_items(at, sub, [(plan_item, price, plan_item.quantity)])
        elif kind == "seats":
            item = seat_items[0]
            quantity = max(1, item.quantity + self.rng.choice((-3, -2, -1, 1, 1, 2, 3, 5)))
            if quantity != item.quantity:
                self._change_items(at, sub, [(item, item.price, quantity)])
        elif kind == "annual":
            changes = [
                (item, catalog.current(item.price.plan, currency, "year", at), item.quantity) for item in sub.items
            ]
            self._change_items(at, sub, changes, reset_cycle=True)
        elif kind == "cancel_at_period_end":
            self._request_cancel(at, sub)
        elif kind == "cancel_now":
            self._cancel_now(at, sub)
        else:
            self._new_discount(at, sub, "RETAIN30" if chance(self.rng, 0.7) else "PARTNER15")
            self._emit_subscription(at, sub, ["customer.subscription.updated"], via_api=True)

    def _change_items(
        self,
        at: int,
        sub: SubscriptionRec,
        changes: list[tuple[ItemRec, Price, int]],
        reset_cycle: bool = False,
    ) -> None:
        """Change prices/quantities now, invoicing the prorations immediately."""
        if not sub.period_start < at < sub.period_end:
            return
        span, remaining = sub.period_end - sub.period_start, sub.period_end - at
        period = (at, sub.period_end)
        lines: list[LineRec] = []
        for item, price, quantity in changes:
            credit = prorate(item.price.unit_amount * item.quantity, remaining, span)
            if credit:
                lines.append(self._line(at, sub, item, item.price, item.quantity, -credit, "credit", period))
            if not reset_cycle:
                debit = prorate(price.unit_amount * quantity, remaining, span)
                lines.append(self._line(at, sub, item, price, quantity, debit, "debit", period))
            item.price, item.quantity = price, quantity
        reason = "subscription_update"
        if reset_cycle:
            interval, count = sub.interval
            sub.billing_cycle_anchor = sub.period_start = at
            sub.period_index = 0
            sub.period_end = period_boundary(at, interval, count, 1)
            sub.cycle += 1
            lines.extend(self._regular_lines(at, sub))
            self.schedule(sub.period_end, partial(self.renew, sub, sub.cycle))
        invoice = self._invoice(at, sub, reason, lines)
        self._emit_subscription(at, sub, ["customer.subscription.updated"], via_api=True)
        self._finalize(at, invoice, ["invoice.created"])

    def _request_cancel(self, at: int, sub: SubscriptionRec) -> None:
        sub.cancel_at_period_end = True
        sub.cancel_at = sub.period_end
        sub.canceled_at = at
        sub.cancellation_reason = "cancellation_requested"
        sub.cancellation_feedback = self.rng.choice(FEEDBACK)
        self._emit_subscription(at, sub, ["customer.subscription.updated"], via_api=True)
        if chance(self.rng, 0.2):
            revert_at = at + int((sub.period_end - at) * self.rng.uniform(0.1, 0.8))
            self.schedule(revert_at, partial(self.revert_cancel, sub, sub.cycle))

    def revert_cancel(self, sub: SubscriptionRec, cycle: int, at: int) -> None:
        """The customer changes their mind before the period ends."""
        if not self.alive or not sub.live or not sub.cancel_at_period_end or sub.cycle != cycle:
            return
        if at >= sub.period_end:
            return
        sub.cancel_at_period_end = False
        sub.cancel_at = sub.canceled_at = None
        sub.cancellation_reason = sub.cancellation_feedback = None
        self._emit_subscription(at, sub, ["customer.subscription.updated"], via_api=True)

    def _cancel_now(self, at: int, sub: SubscriptionRec) -> None:
        sub.cancellation_reason = "cancellation_requested"
        sub.cancellation_feedback = self.rng.choice(FEEDBACK)
        latest = self.ctx.ledger.invoices.get(sub.latest_invoice or "")
        unused = (sub.period_end - at) / (sub.period_end - sub.period_start)
        self._end_subscription(at, sub)
        if latest is not None and latest.status == "paid" and chance(self.rng, 0.3):
            charges = self.ctx.ledger.charges_by_intent.get(latest.payment_intent or "", [])
            if charges and charges[-1].status == "succeeded":
                amount = int(charges[-1].amount * unused)
                self.schedule(at + 300, partial(self.refund, charges[-1], amount, "requested_by_customer"))

    # -- invoices and payments --------------------------------------------------------------------

    def finalize(self, invoice: InvoiceRec, at: int) -> None:
        """A draft renewal invoice is finalized and charged."""
        if self.alive:
            self._finalize(at, invoice, [])

    def _finalize(self, at: int, invoice: InvoiceRec, events: list[str], first: bool = False) -> None:
        if invoice.status != "draft":
            return
        cust = self.cust
        invoice.starting_balance = cust.balance
        after = invoice.total + cust.balance
        invoice.amount_due = max(0, after)
        invoice.ending_balance = min(0, after)
        invoice.number = f"{cust.invoice_prefix}-{cust.next_invoice_sequence:04d}"
        cust.next_invoice_sequence += 1
        if invoice.ending_balance != cust.balance:
            cust.balance = invoice.ending_balance
            self._emit_customer(at, ["customer.updated"])
        invoice.finalized_at = at
        invoice.set_status(at, "open")
        if invoice.amount_due == 0:
            invoice.paid_at = at
            invoice.set_status(at, "paid")
            self._emit_invoice(at, invoice, [*events, "invoice.finalized", "invoice.paid"])
            return
        self._emit_invoice(at, invoice, [*events, "invoice.finalized"])
        self.schedule(at + 2, partial(self.attempt, invoice, 1, first))

    def _failure(self, invoice: InvoiceRec, attempt: int, forced_success: bool) -> str | None:
        if forced_success:
            return None
        if attempt == 1:
            if not chance(self.rng, self.profile.fail_rate):
                return None
            return weighted(self.rng, [("card_declined", 45), ("insufficient_funds", 35), ("expired_card", 20)])
        previous = self._last_failure[invoice.id]
        success = RETRY_SUCCESS[previous]
        if previous == "expired_card" and self._card_refreshed_at > (invoice.first_attempt_at or 0):
            success = 0.9
        if chance(self.rng, success):
            return None
        return previous if chance(self.rng, 0.8) else "card_declined"

    def attempt(self, invoice: InvoiceRec, number: int, forced_success: bool, at: int) -> None:
        """Charge an open invoice (attempt `number` of its payment intent)."""
        if not self.alive or invoice.status != "open":
            return
        if invoice.payment_intent is None:
            invoice.payment_intent = self._id("pi")
            invoice.first_attempt_at = at
        failure = self._failure(invoice, number, forced_success)
        succeeded = failure is None
        cust = self.cust
        charge = ChargeRec(
            id=self._id("ch"),
            payment_intent=invoice.payment_intent,
            invoice_id=invoice.id,
            customer_id=cust.id,
            created=at,
            amount=invoice.amount_due,
            currency=invoice.currency,
            status="succeeded" if succeeded else "failed",
            failure_code=failure,
            card=cust.card,
            description="Subscription creation"
            if invoice.billing_reason == "subscription_create"
            else "Subscription update",
            balance_transaction=self._id("txn") if succeeded else None,
        )
        self.ctx.ledger.add_charge(charge)
        invoice.attempt_count = number
        sub = self.ctx.ledger.subscriptions[invoice.subscription_id]
        if succeeded:
            invoice.amount_paid = invoice.amount_due
            invoice.paid_at = at
            invoice.next_payment_attempt = None
            invoice.set_status(at, "paid")
            self._emit_charge(at, charge, ["charge.succeeded"])
            self._emit_invoice(at, invoice, ["invoice.paid"])
            self._settle(at, sub)
            if chance(self.rng, 0.02):
                amount = charge.amount if chance(self.rng, 0.6) else charge.amount // 2
                self.schedule(at + self._days(1, 30), partial(self.refund, charge, amount, "requested_by_customer"))
            return
        assert failure is not None
        self._last_failure[invoice.id] = failure
        first = invoice.first_attempt_at or at
        last_attempt = number >= MAX_ATTEMPTS
        invoice.next_payment_attempt = None if last_attempt else first + RETRY_AFTER_DAYS[number - 1] * DAY
        self._emit_charge(at, charge, ["charge.failed"])
        self._emit_invoice(at, invoice, ["invoice.payment_failed"])
        if sub.live and sub.status == "active":
            sub.status = "past_due"
            self._emit_subscription(at, sub, ["customer.subscription.updated"])
        if not cust.delinquent:
            cust.delinquent = True
            self._emit_customer(at, ["customer.updated"])
        if last_attempt:
            self._dunning_exhausted(at, sub)
            return
        retry_at = invoice.next_payment_attempt
        assert retry_at is not None
        if failure == "expired_card" and chance(self.rng, 0.6):
            self.schedule(at + int((retry_at - at) * self.rng.uniform(0.1, 0.9)), self.refresh_card)
        self.schedule(retry_at, partial(self.attempt, invoice, number + 1, False))

    def _open_invoices(self, sub: SubscriptionRec) -> list[InvoiceRec]:
        invoices = self.ctx.ledger.invoices
        return [invoices[i] for i in sub.invoice_ids if invoices[i].status == "open"]

    def _settle(self, at: int, sub: SubscriptionRec) -> None:
        """After a payment: back to active / not delinquent when nothing is unpaid any more."""
        if sub.live and sub.status == "past_due" and not any(inv.attempt_count for inv in self._open_invoices(sub)):
            sub.status = "active"
            self._emit_subscription(at, sub, ["customer.subscription.updated"])
        cust = self.cust
        if cust.delinquent and not any(
            inv.attempt_count
            for s in self.ctx.ledger.subscriptions_by_customer[cust.id]
            for inv in self._open_invoices(s)
        ):
            cust.delinquent = False
            self._emit_customer(at, ["customer.updated"])

    def _void(self, at: int, invoice: InvoiceRec) -> None:
        invoice.voided_at = at
        invoice.next_payment_attempt = None
        invoice.set_status(at, "void")
        self._emit_invoice(at, invoice, ["invoice.voided"])

    def _dunning_exhausted(self, at: int, sub: SubscriptionRec) -> None:
        """All retries failed: unpaid invoices are voided or marked uncollectible, the
        subscription is canceled."""
        void = chance(self.rng, 0.3)
        for invoice in self._open_invoices(sub):
            if void:
                self._void(at, invoice)
            else:
                invoice.uncollectible_at = at
                invoice.next_payment_attempt = None
                invoice.set_status(at, "uncollectible")
                self._emit_invoice(at, invoice, ["invoice.marked_uncollectible"])
        if sub.live:
            sub.cancellation_reason = "payment_failed"
            self._end_subscription(at, sub)

    def refund(self, charge: ChargeRec, amount: int, reason: str, at: int) -> None:
        """Refund (part of) a succeeded charge."""
        amount = min(amount, charge.amount - charge.amount_refunded)
        if not self.alive or amount <= 0:
            return
        refund = RefundRec(
            id=self._id("re"),
            charge_id=charge.id,
            payment_intent=charge.payment_intent,
            customer_id=charge.customer_id,
            created=at,
            amount=amount,
            currency=charge.currency,
            reason=reason,
            balance_transaction=self._id("txn"),
            payment_method=charge.card.id,
        )
        self.ctx.ledger.refunds[refund.id] = refund
        charge.refunds.append(refund)
        self.ctx.recorder.put(
            "refund", refund.id, at, shapes.refund_body(refund), ["refund.created"], self.rng, via_api=True
        )
        self._emit_charge(at, charge, ["charge.refunded"])
