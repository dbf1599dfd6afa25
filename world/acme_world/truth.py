"""Ground truth as of a time, computed from the views' internal records (never their JSON).

Definitions are those of docs/contracts.md §2 (MRR) and §3 (failed payments); `owners` maps every
view record to its true company (and the person behind it, where there is one); `customers` lists
each true company's live customer-level records per system (for matching precision and recall);
`open_escalations` lists the Zendesk tickets unsolved and escalated or urgent.

MRR values are exact rational sums rounded once per customer-month to 0.01 (half up);
`mrr_change` is the difference of the rounded values, so a customer's changes add up to its MRR.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from acme_world.core import Core
from acme_world.salesforce.records import SfRecord
from acme_world.stripe.ledger import InvoiceRec, Ledger, SubscriptionRec
from acme_world.timeline import from_epoch, month_of, month_start_epoch, next_month
from acme_world.zendesk.records import OrgPlan, TicketPlan, UserPlan

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MOVEMENTS = ("new", "reactivation", "expansion", "contraction", "churn", "unchanged")


@dataclass(frozen=True, slots=True)
class MrrRow:
    """MRR of one Stripe customer in one month (contracts.md §2)."""

    stripe_customer_id: str
    company_id: str
    month: date
    currency: str
    mrr: Decimal
    movement: str
    mrr_change: Decimal


@dataclass(frozen=True, slots=True)
class FailedPaymentRow:
    """One failed payment attempt (contracts.md §3)."""

    charge_id: str
    stripe_customer_id: str
    company_id: str
    payment_intent_id: str
    amount: Decimal
    currency: str
    failed_at: datetime
    attempt_number: int
    failure_code: str
    is_recovered: bool
    recovered_at: datetime | None


@dataclass(frozen=True, slots=True)
class OwnerRow:
    """The true company (and person, where one is behind the record) of a view record.

    `company_id` is None only for AcmeCloud's own staff (Salesforce Users, Zendesk agents).
    """

    system: str
    resource: str
    record_id: str
    company_id: str | None
    person_id: str | None


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A true company and its live customer-level records in every system (ids sorted)."""

    company_id: str
    name: str
    stripe_customer_ids: tuple[str, ...]
    salesforce_account_ids: tuple[str, ...]
    zendesk_organization_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OpenEscalationRow:
    """A Zendesk ticket that is unsolved (new, open, pending, hold) and escalated or urgent."""

    ticket_id: int
    company_id: str
    organization_id: int | None
    status: str
    priority: str
    is_escalated: bool
    created_at: datetime


@dataclass(frozen=True)
class Truth:
    """Ground truth as of `as_of`."""

    as_of: datetime
    mrr: list[MrrRow]
    failed_payments: list[FailedPaymentRow]
    owners: list[OwnerRow]
    customers: list[CustomerRow] = field(default_factory=list)
    open_escalations: list[OpenEscalationRow] = field(default_factory=list)


def monthly_factor(interval: str, interval_count: int) -> Fraction:
    """Multiplier turning one period's amount into a monthly amount."""
    if interval == "month":
        return Fraction(1, interval_count)
    if interval == "year":
        return Fraction(1, 12 * interval_count)
    if interval == "week":
        return Fraction(52, 12 * interval_count)
    if interval == "day":
        return Fraction(365, 12 * interval_count)
    raise ValueError(f"unknown interval {interval!r}")


def _round(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, ROUND_HALF_UP)


def invoice_mrr(invoice: InvoiceRec) -> Fraction:
    """Monthly recurring amount (major units) of an invoice's non-proration lines."""
    total = Fraction(0)
    for line in invoice.recurring_lines:
        total += line.net * monthly_factor(line.price.interval, line.price.interval_count)
    return total / 100


class _SubscriptionPeriods:
    """A subscription's billing periods as known at `as_of`: the invoices that can be in force."""

    def __init__(self, sub: SubscriptionRec, ledger: Ledger, as_of: int) -> None:
        self.sub = sub
        candidates: list[tuple[int, Fraction]] = []
        for invoice_id in sub.invoice_ids:
            invoice = ledger.invoices[invoice_id]
            status = invoice.status_at(as_of)
            if status is None or status in ("draft", "void") or not invoice.recurring_lines:
                continue
            start = min(line.period_start for line in invoice.recurring_lines)
            candidates.append((start, invoice_mrr(invoice)))
        candidates.sort(key=lambda c: c[0])
        self.starts = [start for start, _ in candidates]
        self.amounts = [amount for _, amount in candidates]

    def mrr_at(self, t: int) -> Fraction:
        sub = self.sub
        if sub.start_date > t or (sub.ended_at is not None and sub.ended_at <= t):
            return Fraction(0)
        index = bisect.bisect_right(self.starts, t) - 1
        return self.amounts[index] if index >= 0 else Fraction(0)


def _movement(prev: Decimal, cur: Decimal, ever_positive: bool) -> str:
    if prev == 0:
        if cur == 0:
            return "unchanged"
        return "reactivation" if ever_positive else "new"
    if cur == 0:
        return "churn"
    if cur > prev:
        return "expansion"
    if cur < prev:
        return "contraction"
    return "unchanged"


def mrr_rows(ledger: Ledger, as_of: int) -> list[MrrRow]:
    """contracts.md §2 for every Stripe customer, sorted by (customer, month)."""
    rows: list[MrrRow] = []
    last_month = month_of(as_of)
    for customer in sorted(ledger.customers.values(), key=lambda c: c.id):
        subs = [s for s in ledger.subscriptions_by_customer[customer.id] if s.start_date <= as_of]
        if not subs:
            continue
        periods = [_SubscriptionPeriods(sub, ledger, as_of) for sub in subs]
        currency = subs[0].items[0].price.currency
        month = month_of(min(sub.start_date for sub in subs))
        prev, ever_positive = ZERO, False
        while month <= last_month:
            following = next_month(month)
            t = min(month_start_epoch(following) - 1, as_of)
            cur = _round(sum((p.mrr_at(t) for p in periods), Fraction(0)))
            if cur > 0 or ever_positive:
                rows.append(
                    MrrRow(
                        customer.id,
                        customer.company_id,
                        month,
                        currency,
                        cur,
                        _movement(prev, cur, ever_positive),
                        cur - prev,
                    )
                )
                ever_positive = ever_positive or cur > 0
                prev = cur
            month = following
    return rows


def failed_payment_rows(ledger: Ledger, as_of: int) -> list[FailedPaymentRow]:
    """contracts.md §3: every failed charge created up to `as_of`, sorted by time."""
    rows: list[FailedPaymentRow] = []
    for intent, charges in ledger.charges_by_intent.items():
        known = sorted((c for c in charges if c.created <= as_of), key=lambda c: (c.created, c.id))
        for rank, charge in enumerate(known, start=1):
            if charge.status != "failed":
                continue
            recovery = next((later for later in known[rank:] if later.status == "succeeded"), None)
            customer = ledger.customers[charge.customer_id]
            rows.append(
                FailedPaymentRow(
                    charge_id=charge.id,
                    stripe_customer_id=charge.customer_id,
                    company_id=customer.company_id,
                    payment_intent_id=intent,
                    amount=(Decimal(charge.amount) / 100).quantize(CENT),
                    currency=charge.currency,
                    failed_at=from_epoch(charge.created),
                    attempt_number=rank,
                    failure_code=charge.failure_code or "",
                    is_recovered=recovery is not None,
                    recovered_at=None if recovery is None else from_epoch(recovery.created),
                )
            )
    rows.sort(key=lambda r: (r.failed_at, r.charge_id))
    return rows


def stripe_owner_rows(ledger: Ledger, as_of: int) -> list[OwnerRow]:
    """The true company of every Stripe record created up to `as_of`."""
    rows: list[OwnerRow] = []
    company_of = {c.id: c.company_id for c in ledger.customers.values()}
    for customer in ledger.customers.values():
        if customer.created <= as_of:
            rows.append(OwnerRow("stripe", "customer", customer.id, customer.company_id, customer.person_at(as_of)))
    records: list[tuple[str, str, str, int]] = []
    records += [("subscription", s.id, s.customer_id, s.created) for s in ledger.subscriptions.values()]
    records += [("invoice", i.id, i.customer_id, i.created) for i in ledger.invoices.values()]
    records += [("charge", c.id, c.customer_id, c.created) for c in ledger.charges.values()]
    records += [("refund", r.id, r.customer_id, r.created) for r in ledger.refunds.values()]
    for resource, record_id, customer_id, created in records:
        if created <= as_of:
            rows.append(OwnerRow("stripe", resource, record_id, company_of[customer_id], None))
    rows.sort(key=lambda r: (r.system, r.resource, r.record_id))
    return rows


def salesforce_owner_rows(records: dict[str, SfRecord], as_of: int) -> list[OwnerRow]:
    """The true company (and person, for contacts) of every Salesforce record up to `as_of`."""
    return [
        OwnerRow("salesforce", rec.resource, rec.id, rec.company_id, rec.person_id)
        for rec in records.values()
        if rec.created <= as_of
    ]


def zendesk_owner_rows(
    organizations: list[OrgPlan], users: list[UserPlan], tickets: list[TicketPlan], as_of: int
) -> list[OwnerRow]:
    """The true company and person of every Zendesk object created up to `as_of`.

    A ticket belongs to its requester, a comment to the ticket's company and its author.
    """
    rows = [
        OwnerRow("zendesk", "organization", str(org.id), org.company_id, None)
        for org in organizations
        if org.created <= as_of
    ]
    rows += [
        OwnerRow("zendesk", "user", str(user.id), user.company_id, user.person_id)
        for user in users
        if user.created <= as_of
    ]
    for ticket in tickets:
        if ticket.created > as_of:
            continue
        rows.append(OwnerRow("zendesk", "ticket", str(ticket.id), ticket.company_id, ticket.requester.person_id))
        for step in ticket.steps:
            if step.at > as_of:
                break
            if step.comment is not None:
                rows.append(
                    OwnerRow(
                        "zendesk",
                        "ticket_comment",
                        str(step.comment.id),
                        ticket.company_id,
                        step.comment.author.person_id,
                    )
                )
    return rows


def customer_rows(
    core: Core,
    owners: list[OwnerRow],
    ledger: Ledger,
    records: dict[str, SfRecord],
    organizations: list[OrgPlan],
    as_of: int,
) -> list[CustomerRow]:
    """One row per true company with any record up to `as_of` (deleted ones included).

    The id lists hold the customer-level records that exist and are not deleted at `as_of`:
    Stripe customers, Salesforce accounts (not in the recycle bin), Zendesk organizations.
    """
    ids: dict[str, tuple[list[str], list[str], list[str]]] = {
        row.company_id: ([], [], []) for row in owners if row.company_id is not None
    }
    for customer in ledger.customers.values():
        if customer.created <= as_of and (customer.deleted_at is None or customer.deleted_at > as_of):
            ids[customer.company_id][0].append(customer.id)
    for rec in records.values():
        if (
            rec.resource == "Account"
            and rec.company_id is not None
            and rec.created <= as_of
            and not rec.deleted_at(as_of)
        ):
            ids[rec.company_id][1].append(rec.id)
    for org in organizations:
        if org.live_at(as_of):
            ids[org.company_id][2].append(str(org.id))
    moment = from_epoch(as_of)
    return [
        CustomerRow(
            company_id, core.company_by_id[company_id].name_at(moment), *(tuple(sorted(found)) for found in lists)
        )
        for company_id, lists in sorted(ids.items())
    ]


def open_escalation_rows(tickets: list[TicketPlan], as_of: int) -> list[OpenEscalationRow]:
    """Tickets unsolved at `as_of` that carry the `escalated` tag or have priority urgent."""
    rows = []
    for ticket in tickets:
        state = ticket.state_at(as_of)
        if state is None or not ticket.open_escalation_at(as_of):
            continue
        status, priority, escalated = state
        rows.append(
            OpenEscalationRow(
                ticket.id,
                ticket.company_id,
                None if ticket.org is None else ticket.org.id,
                status,
                priority,
                escalated,
                from_epoch(ticket.created),
            )
        )
    rows.sort(key=lambda r: r.ticket_id)
    return rows


@dataclass(frozen=True)
class Views:
    """What the ground truth reads besides the Stripe ledger (internal records, never JSON)."""

    core: Core
    salesforce: dict[str, SfRecord]
    zendesk_organizations: list[OrgPlan]
    zendesk_users: list[UserPlan]
    zendesk_tickets: list[TicketPlan]


def compute_truth(ledger: Ledger, as_of: int, views: Views | None = None) -> Truth:
    """All ground truth tables as of `as_of` (epoch seconds).

    Without `views` only the Stripe tables are computed (customers and escalations stay empty).
    """
    owners = stripe_owner_rows(ledger, as_of)
    customers: list[CustomerRow] = []
    escalations: list[OpenEscalationRow] = []
    if views is not None:
        owners += salesforce_owner_rows(views.salesforce, as_of)
        owners += zendesk_owner_rows(views.zendesk_organizations, views.zendesk_users, views.zendesk_tickets, as_of)
        owners.sort(key=lambda r: (r.system, r.resource, r.record_id))
        customers = customer_rows(views.core, owners, ledger, views.salesforce, views.zendesk_organizations, as_of)
        escalations = open_escalation_rows(views.zendesk_tickets, as_of)
    return Truth(
        as_of=from_epoch(as_of),
        mrr=mrr_rows(ledger, as_of),
        failed_payments=failed_payment_rows(ledger, as_of),
        owners=owners,
        customers=customers,
        open_escalations=escalations,
    )
