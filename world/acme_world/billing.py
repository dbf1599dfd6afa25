"""What the other views know about a company's billing, read (never changed) from the Stripe ledger.

Salesforce and Zendesk behave differently for paying customers (links to Stripe customers, won
opportunities, renewals, support tickets); this module answers "was the company paying at t?".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from acme_world.core import Core
from acme_world.stripe.ledger import CustomerRec, Ledger, SubscriptionRec


@dataclass
class CompanyBilling:
    """A company's Stripe customers (by creation) and subscriptions (by start)."""

    customers: list[CustomerRec] = field(default_factory=list)
    subscriptions: list[SubscriptionRec] = field(default_factory=list)

    @property
    def first_start(self) -> int | None:
        """When the company first subscribed (None: never)."""
        return self.subscriptions[0].start_date if self.subscriptions else None

    def paying_at(self, at: int) -> bool:
        """Whether any subscription runs at `at`."""
        return any(s.start_date <= at and (s.ended_at is None or s.ended_at > at) for s in self.subscriptions)

    def plan_at(self, at: int) -> str | None:
        """The plan of the newest subscription started by `at` (None before the first)."""
        plan = None
        for sub in self.subscriptions:
            if sub.start_date <= at:
                plan = sub.items[0].price.plan
        return plan


def company_billing(core: Core, ledger: Ledger) -> dict[str, CompanyBilling]:
    """Billing facts of every company (companies without Stripe customers get empty facts)."""
    facts = {company.id: CompanyBilling() for company in core.companies}
    for customer in sorted(ledger.customers.values(), key=lambda c: (c.created, c.id)):
        facts[customer.company_id].customers.append(customer)
    for sub in sorted(ledger.subscriptions.values(), key=lambda s: (s.start_date, s.id)):
        facts[ledger.customers[sub.customer_id].company_id].subscriptions.append(sub)
    return facts
