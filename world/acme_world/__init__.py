"""AcmeCloud's deterministic customer world with ground truth.

Public API (docs/contracts.md §1)::

    from acme_world import WorldConfig, build_world, World, ObjectVersion

    world = build_world(WorldConfig(seed=42, scale=0.01, anchor=datetime(2025, 6, 1, tzinfo=UTC)))
    world.stripe.versions      # every version of every Stripe object, sorted by (valid_from, id)
    world.stripe.events        # Stripe events, sorted by created
    world.salesforce.versions  # Account, Contact, Opportunity, User versions, same order
    world.zendesk.versions     # organization, user, ticket, ticket_comment versions, same order
    world.truth(as_of)         # mrr, failed_payments, owners, customers, open_escalations
    world.write_truth(dir, as_of)
"""

from acme_world.config import WorldConfig
from acme_world.model import ObjectVersion
from acme_world.truth import (
    CustomerRow,
    FailedPaymentRow,
    MrrRow,
    OpenEscalationRow,
    OwnerRow,
    Truth,
)
from acme_world.world import World, build_world

__all__ = [
    "CustomerRow",
    "FailedPaymentRow",
    "MrrRow",
    "ObjectVersion",
    "OpenEscalationRow",
    "OwnerRow",
    "Truth",
    "World",
    "WorldConfig",
    "build_world",
]
