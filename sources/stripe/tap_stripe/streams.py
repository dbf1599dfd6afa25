"""Stripe streams. Each declares its personal-data properties in ``pii_properties``."""

from __future__ import annotations

import typing as t
from collections.abc import Iterable

from singer_sdk.schema.source import StreamSchema

from .children import EmbeddedListStream
from .client import SCHEMAS, StripeStream
from .incremental import StartDateAsEpoch, StripeObjectStream, iso
from .partitions import SplittingListing

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context


class CustomersStream(StripeObjectStream):
    """Customers; ``customer.deleted`` flags deletions."""

    name = "customers"
    path = "/customers"
    schema = StreamSchema(SCHEMAS)
    object_type = "customer"
    event_types = ("customer.created", "customer.updated", "customer.deleted")
    deletion_event_types = ("customer.deleted",)
    pii_properties = ("name", "email", "phone", "address", "shipping", "description")


class SubscriptionsStream(StripeObjectStream):
    """Subscriptions of every status (``customer.subscription.deleted`` is a cancellation)."""

    name = "subscriptions"
    path = "/subscriptions"
    schema = StreamSchema(SCHEMAS)
    object_type = "subscription"
    list_params: t.ClassVar[dict[str, str]] = {"status": "all"}
    embedded_lists = ("items",)
    event_types = tuple(
        f"customer.subscription.{change}"
        for change in (
            "created",
            "updated",
            "deleted",
            "paused",
            "resumed",
            "pending_update_applied",
            "pending_update_expired",
            "trial_will_end",
        )
    )


class SubscriptionItemsStream(EmbeddedListStream):
    """Items of each emitted subscription (``subscription`` is on every item)."""

    name = "subscription_items"
    path = "/subscription_items"
    schema = StreamSchema(SCHEMAS)
    parent_stream_type = SubscriptionsStream
    embedded_field = "items"
    parent_key = "subscription"


class InvoicesStream(StripeObjectStream):
    """Invoices; ``invoice.deleted`` (deleted drafts) flags deletions."""

    name = "invoices"
    path = "/invoices"
    schema = StreamSchema(SCHEMAS)
    object_type = "invoice"
    reconciled_by_partition = True
    embedded_lists = ("lines",)
    event_types = tuple(
        f"invoice.{change}"
        for change in (
            "created",
            "updated",
            "deleted",
            "finalized",
            "finalization_failed",
            "paid",
            "payment_failed",
            "payment_succeeded",
            "payment_action_required",
            "marked_uncollectible",
            "voided",
            "sent",
            "overdue",
            "will_be_due",
        )
    )
    deletion_event_types = ("invoice.deleted",)
    pii_properties = (
        "customer_email",
        "customer_name",
        "customer_phone",
        "customer_address",
        "customer_shipping",
        "customer_tax_ids",
    )


class InvoiceLineItemsStream(EmbeddedListStream):
    """Lines of each emitted invoice, with ``invoice`` added when the API leaves it out."""

    name = "invoice_line_items"
    path = "/invoices/{invoice}/lines"
    schema = StreamSchema(SCHEMAS)
    parent_stream_type = InvoicesStream
    embedded_field = "lines"
    parent_key = "invoice"


class ChargesStream(StripeObjectStream):
    """Charges (failed payment attempts included)."""

    name = "charges"
    path = "/charges"
    schema = StreamSchema(SCHEMAS)
    object_type = "charge"
    reconciled_by_partition = True
    event_types = tuple(
        f"charge.{change}"
        for change in ("succeeded", "failed", "pending", "captured", "expired", "refunded", "updated")
    )
    pii_properties = ("billing_details", "receipt_email", "shipping", "payment_method_details")


class RefundsStream(StripeObjectStream):
    """Refunds."""

    name = "refunds"
    path = "/refunds"
    schema = StreamSchema(SCHEMAS)
    object_type = "refund"
    reconciled_by_partition = True
    event_types = ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated")


class ProductsStream(StripeObjectStream):
    """Products; ``product.deleted`` flags deletions."""

    name = "products"
    path = "/products"
    schema = StreamSchema(SCHEMAS)
    object_type = "product"
    event_types = ("product.created", "product.updated", "product.deleted")
    deletion_event_types = ("product.deleted",)


class PricesStream(StripeObjectStream):
    """Prices; ``price.deleted`` flags deletions."""

    name = "prices"
    path = "/prices"
    schema = StreamSchema(SCHEMAS)
    object_type = "price"
    event_types = ("price.created", "price.updated", "price.deleted")
    deletion_event_types = ("price.deleted",)


class EventsStream(StartDateAsEpoch, StripeStream):
    """The event log itself (30 days at Stripe), incremental on ``created``."""

    name = "events"
    path = "/events"
    schema = StreamSchema(SCHEMAS)
    primary_keys = ("id",)
    replication_key = "created"
    is_sorted = False
    pii_properties = ("data",)

    def get_records(self, context: Context | None) -> Iterable[dict[str, t.Any]]:
        """Events since the bookmark; a bookmark past the retention window is logged."""
        bookmark = None if self.full_reload else self.get_starting_replication_key_value(context)
        newest = self.stripe_tap.high_water_mark()
        retention = int(self.config.get("events_retention_days", 30)) * 86_400
        if bookmark is not None and newest is not None and int(bookmark) < newest - retention:
            self.logger.warning(
                "bookmark %s is older than the %d-day events window; events in between are gone, "
                "reading every event still listed",
                iso(int(bookmark)),
                retention // 86_400,
            )
        yield from self.list_in_windows(context)

    def prefetch_listing(self) -> SplittingListing | None:
        """A full reload's listing of every event still listed (no state involved)."""
        return self.new_listing(None) if self.full_reload else None

    def get_url_params(self, context: Context | None, next_page_token: str | None) -> dict[str, t.Any]:
        """``created[gte]`` = bookmark - ``lookback_seconds`` on delta runs."""
        params = super().get_url_params(context, next_page_token)
        bookmark = None if self.full_reload else self.get_starting_replication_key_value(context)
        if bookmark is not None:
            params["created[gte]"] = max(0, int(bookmark) - int(self.config.get("lookback_seconds", 300)))
        return params


STREAMS: list[type[StripeStream]] = [
    CustomersStream,
    ProductsStream,
    PricesStream,
    SubscriptionsStream,
    SubscriptionItemsStream,
    InvoicesStream,
    InvoiceLineItemsStream,
    ChargesStream,
    RefundsStream,
    EventsStream,
]
