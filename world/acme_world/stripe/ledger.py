"""The Stripe view's internal billing records: the single source of the emitted objects and of
the ground truth.

The simulator mutates these records; :mod:`acme_world.stripe.shapes` renders them as API objects
and :mod:`acme_world.truth` reads them directly (never the emitted JSON).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from acme_world.model import Body
from acme_world.stripe.catalog import Coupon, Price

FINAL_INVOICE_STATES = frozenset({"open", "paid", "uncollectible"})


@dataclass(slots=True)
class Card:
    """A saved card payment method."""

    id: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str
    country: str
    payment_method_details: Body  # rendered `payment_method_details` (shared by its charges)


@dataclass(slots=True)
class CustomerRec:
    """A Stripe customer and who it truly is."""

    id: str
    company_id: str
    created: int
    name: str | None
    email: str | None
    phone: str | None
    address: Body
    description: str | None
    metadata: dict[str, str]
    invoice_prefix: str
    preferred_locales: list[str]
    card: Card
    person_history: list[tuple[int, str | None]]  # (from, true person behind the email)
    currency: str | None = None
    balance: int = 0
    delinquent: bool = False
    next_invoice_sequence: int = 1
    deleted_at: int | None = None

    def person_at(self, at: int) -> str | None:
        """The person the customer's email belonged to at `at`."""
        times = [t for t, _ in self.person_history]
        index = bisect.bisect_right(times, at) - 1
        return self.person_history[max(index, 0)][1]


@dataclass(slots=True)
class DiscountRec:
    """A coupon applied to a subscription."""

    id: str
    coupon: Coupon
    customer_id: str
    subscription_id: str
    start: int
    end: int | None  # repeating: start + N months
    used: bool = False  # once: consumed by an invoice
    body: Body = field(default_factory=dict)

    def applies(self, at: int) -> bool:
        """Whether an invoice created at `at` gets this discount."""
        if self.coupon.duration == "once":
            return not self.used
        return self.end is None or at < self.end


@dataclass(slots=True)
class ItemRec:
    """A subscription item (price and quantity)."""

    id: str
    price: Price
    quantity: int
    created: int
    last_charge: tuple[str, str] | None = None  # (invoice id, line id) that charged it last


@dataclass(slots=True)
class SubscriptionRec:
    """A subscription and its current billing period."""

    id: str
    customer_id: str
    created: int
    items: list[ItemRec]
    billing_cycle_anchor: int
    period_start: int
    period_end: int
    period_index: int = 0
    status: str = "active"
    cancel_at_period_end: bool = False
    cancel_at: int | None = None
    canceled_at: int | None = None
    ended_at: int | None = None
    cancellation_reason: str | None = None
    cancellation_feedback: str | None = None
    discounts: list[DiscountRec] = field(default_factory=list)
    latest_invoice: str | None = None
    cycle: int = 0  # bumped whenever the billing cycle is reset; stale renewals are ignored
    invoice_ids: list[str] = field(default_factory=list)

    @property
    def start_date(self) -> int:
        """Stripe `start_date`."""
        return self.created

    @property
    def interval(self) -> tuple[str, int]:
        """(interval, interval_count) shared by all items."""
        price = self.items[0].price
        return price.interval, price.interval_count

    @property
    def live(self) -> bool:
        """Not canceled yet."""
        return self.ended_at is None


@dataclass(slots=True)
class LineRec:
    """An invoice line of a subscription item."""

    id: str
    price: Price
    quantity: int
    amount: int
    discount_amounts: list[tuple[str, int]]
    proration: bool
    period_start: int
    period_end: int
    subscription_item: str
    description: str
    credited: tuple[str, str] | None = None

    @property
    def net(self) -> int:
        """Amount after discounts (minor units)."""
        return self.amount - sum(amount for _, amount in self.discount_amounts)


@dataclass(slots=True)
class InvoiceRec:
    """An invoice of a subscription, with its status history."""

    id: str
    customer_id: str
    subscription_id: str
    created: int
    currency: str
    billing_reason: str
    lines: list[LineRec]
    period_start: int
    period_end: int
    discount_ids: list[str]
    status: str = "draft"
    status_history: list[tuple[int, str]] = field(default_factory=list)
    number: str | None = None
    finalized_at: int | None = None
    paid_at: int | None = None
    voided_at: int | None = None
    uncollectible_at: int | None = None
    attempt_count: int = 0
    first_attempt_at: int | None = None
    next_payment_attempt: int | None = None
    payment_intent: str | None = None
    customer_snapshot: Body = field(default_factory=dict)  # customer_* fields at creation
    starting_balance: int = 0
    ending_balance: int | None = None
    amount_due: int = 0
    amount_paid: int = 0
    lines_body: Body | None = None  # rendered once, shared by all versions

    def __post_init__(self) -> None:
        self.amount_due = self.total
        self.status_history.append((self.created, self.status))

    @property
    def subtotal(self) -> int:
        """Sum of line amounts."""
        return sum(line.amount for line in self.lines)

    @property
    def total_discount(self) -> int:
        """Sum of all lines' discount amounts."""
        return sum(amount for line in self.lines for _, amount in line.discount_amounts)

    @property
    def total(self) -> int:
        """Subtotal minus discounts."""
        return self.subtotal - self.total_discount

    def set_status(self, at: int, status: str) -> None:
        """Move to `status` at `at`, keeping the history."""
        self.status = status
        self.status_history.append((at, status))

    def status_at(self, at: int) -> str | None:
        """Status as known at `at` (None before it was created)."""
        status: str | None = None
        for when, value in self.status_history:
            if when > at:
                break
            status = value
        return status

    @property
    def recurring_lines(self) -> list[LineRec]:
        """Non-proration subscription lines (what a billing period costs)."""
        return [line for line in self.lines if not line.proration]


@dataclass(slots=True)
class RefundRec:
    """A refund of (part of) a charge."""

    id: str
    charge_id: str
    payment_intent: str
    customer_id: str
    created: int
    amount: int
    currency: str
    reason: str | None
    balance_transaction: str
    payment_method: str


@dataclass(slots=True)
class ChargeRec:
    """One payment attempt of an invoice's payment intent."""

    id: str
    payment_intent: str
    invoice_id: str
    customer_id: str
    created: int
    amount: int
    currency: str
    status: str  # succeeded | failed
    failure_code: str | None
    card: Card
    description: str
    balance_transaction: str | None
    refunds: list[RefundRec] = field(default_factory=list)

    @property
    def amount_refunded(self) -> int:
        """Total refunded so far."""
        return sum(refund.amount for refund in self.refunds)


@dataclass
class Ledger:
    """All Stripe billing records of a world, in creation order."""

    customers: dict[str, CustomerRec] = field(default_factory=dict)
    subscriptions: dict[str, SubscriptionRec] = field(default_factory=dict)
    invoices: dict[str, InvoiceRec] = field(default_factory=dict)
    charges: dict[str, ChargeRec] = field(default_factory=dict)
    refunds: dict[str, RefundRec] = field(default_factory=dict)
    discounts: dict[str, DiscountRec] = field(default_factory=dict)
    subscriptions_by_customer: dict[str, list[SubscriptionRec]] = field(default_factory=dict)
    charges_by_intent: dict[str, list[ChargeRec]] = field(default_factory=dict)

    def add_customer(self, customer: CustomerRec) -> None:
        """Register a new customer."""
        self.customers[customer.id] = customer
        self.subscriptions_by_customer[customer.id] = []

    def add_subscription(self, sub: SubscriptionRec) -> None:
        """Register a new subscription."""
        self.subscriptions[sub.id] = sub
        self.subscriptions_by_customer[sub.customer_id].append(sub)

    def add_invoice(self, invoice: InvoiceRec) -> None:
        """Register a new invoice with its subscription."""
        self.invoices[invoice.id] = invoice
        self.subscriptions[invoice.subscription_id].invoice_ids.append(invoice.id)

    def add_charge(self, charge: ChargeRec) -> None:
        """Register a new payment attempt."""
        self.charges[charge.id] = charge
        self.charges_by_intent.setdefault(charge.payment_intent, []).append(charge)
