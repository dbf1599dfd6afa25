"""The Stripe view: catalog, customers, subscriptions, invoices, charges and refunds.

`build_stripe` returns a :class:`StripeView`; the object shapes follow API version
2025-03-31.basil (see :mod:`acme_world.stripe.shapes`).
"""

from acme_world.stripe.view import RESOURCES, StripeView, build_stripe

__all__ = ["RESOURCES", "StripeView", "build_stripe"]
