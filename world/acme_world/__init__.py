"""AcmeCloud's deterministic customer world with ground truth.

Public API (docs/contracts.md §1)::

    from acme_world import WorldConfig, build_world, World, ObjectVersion

    world = build_world(WorldConfig(seed=42, scale=0.01, anchor=datetime(2025, 6, 1, tzinfo=UTC)))
    world.stripe.versions      # every version of every Stripe object, sorted by (valid_from, id)
    world.stripe.events        # Stripe events, sorted by created
    world.truth(as_of)         # mrr, failed_payments, owners
    world.write_truth(dir, as_of)
"""

from acme_world.config import WorldConfig
from acme_world.model import ObjectVersion
from acme_world.truth import FailedPaymentRow, MrrRow, OwnerRow, Truth
from acme_world.world import World, build_world

__all__ = [
    "FailedPaymentRow",
    "MrrRow",
    "ObjectVersion",
    "OwnerRow",
    "Truth",
    "World",
    "WorldConfig",
    "build_world",
]
