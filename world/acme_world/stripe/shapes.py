"""Render ledger records as Stripe API objects (API version 2025-03-31.basil shapes).

Pure functions: the same record state always renders the same body. Nested parts that never
change after creation (invoice `lines`, prices, discounts) are rendered once and shared.
"""

from __future__ import annotations

from datetime import UTC, datetime

from acme_world.model import Body
from acme_world.stripe.catalog import CURRENCY_SYMBOLS, Catalog, Price
from acme_world.stripe.ledger import (
    ChargeRec,
    CustomerRec,
    DiscountRec,
    InvoiceRec,
    LineRec,
    RefundRec,
    SubscriptionRec,
)

API_VERSION = "2025-03-31.basil"
ACCOUNT_ID = "acct_1AcmeC1oudW0rld"
ACCOUNT_NAME = "AcmeCloud Inc."
TIMES = "\u00d7"  # the multiplication sign Stripe uses in "1 x Plan (at $9.00 / month)"

FAILURES: dict[str, tuple[str, str, str]] = {
    # failure_code: (failure_message, outcome.reason, outcome.seller_message)
    "card_declined": (
        "Your card was declined.",
        "generic_decline",
        "The bank did not return any further details with this decline.",
    ),
    "insufficient_funds": (
        "Your card has insufficient funds.",
        "insufficient_funds",
        "The bank returned the decline code `insufficient_funds`.",
    ),
    "expired_card": ("Your card has expired.", "expired_card", "The bank returned the decline code `expired_card`."),
}


# Constant nested parts, shared by every body that has them (bodies are read-only).
_ISSUER: Body = {"type": "self"}
_INVOICE_AUTOMATIC_TAX: Body = {
    "disabled_reason": None,
    "enabled": False,
    "liability": None,
    "provider": None,
    "status": None,
}
_INVOICE_PAYMENT_SETTINGS: Body = {
    "default_mandate": None,
    "payment_method_options": None,
    "payment_method_types": None,
}
_INVOICE_RENDERING: Body = {
    "amount_tax_display": None,
    "pdf": {"page_size": "auto"},
    "template": None,
    "template_version": None,
}
_SUBSCRIPTION_AUTOMATIC_TAX: Body = {"disabled_reason": None, "enabled": False, "liability": None}
_BILLING_MODE: Body = {"type": "classic"}
_SUBSCRIPTION_INVOICE_SETTINGS: Body = {"account_tax_ids": None, "issuer": _ISSUER}
_MANAGED_PAYMENTS: Body = {"enabled": False}
_SUBSCRIPTION_PAYMENT_SETTINGS: Body = {
    "payment_method_options": None,
    "payment_method_types": None,
    "save_default_payment_method": "off",
}
_TRIAL_SETTINGS: Body = {"end_behavior": {"missing_payment_method": "create_invoice"}}


def _invoice_parent(invoice: InvoiceRec) -> Body:
    return {
        "quote_details": None,
        "subscription_details": {"metadata": None, "subscription": invoice.subscription_id},
        "type": "subscription_details",
    }


def _list(data: list[Body], url: str) -> Body:
    return {"object": "list", "data": data, "has_more": False, "total_count": len(data), "url": url}


def interval_label(price: Price) -> str:
    """`month`, `3 months`, `year`, `week` as Stripe words it in line descriptions."""
    if price.interval_count == 1:
        return price.interval
    return f"{price.interval_count} {price.interval}s"


def money(amount: int, currency: str) -> str:
    """`$99.00`-style amount."""
    return f"{CURRENCY_SYMBOLS[currency]}{amount / 100:,.2f}"


def line_description(price: Price, quantity: int, proration: str | None, at: int) -> str:
    """Stripe's wording of subscription and proration lines."""
    name = price.product.name
    if proration is None:
        unit = f"at {money(price.unit_amount, price.currency)} / {interval_label(price)}"
        return f"{quantity} {TIMES} {name} ({unit})"
    day = datetime.fromtimestamp(at, tz=UTC).strftime("%d %b %Y")
    what = name if quantity == 1 else f"{quantity} {TIMES} {name}"
    return f"{'Unused' if proration == 'credit' else 'Remaining'} time on {what} after {day}"


def customer_body(customer: CustomerRec) -> Body:
    """A `customer` object."""
    return {
        "id": customer.id,
        "object": "customer",
        "address": customer.address,
        "balance": customer.balance,
        "created": customer.created,
        "currency": customer.currency,
        "default_source": None,
        "delinquent": customer.delinquent,
        "description": customer.description,
        "discount": None,
        "email": customer.email,
        "invoice_prefix": customer.invoice_prefix,
        "invoice_settings": {
            "custom_fields": None,
            "default_payment_method": customer.card.id,
            "footer": None,
            "rendering_options": None,
        },
        "livemode": False,
        "metadata": customer.metadata,
        "name": customer.name,
        "next_invoice_sequence": customer.next_invoice_sequence,
        "phone": customer.phone,
        "preferred_locales": customer.preferred_locales,
        "shipping": None,
        "tax_exempt": "none",
        "test_clock": None,
    }


def discount_body(discount: DiscountRec) -> Body:
    """A `discount` object (what `di_` ids in `discounts` arrays expand to)."""
    return {
        "id": discount.id,
        "object": "discount",
        "checkout_session": None,
        "customer": discount.customer_id,
        "customer_account": None,
        "end": discount.end,
        "invoice": None,
        "invoice_item": None,
        "promotion_code": None,
        "source": {"coupon": discount.coupon.id, "type": "coupon"},
        "start": discount.start,
        "subscription": discount.subscription_id,
        "subscription_item": None,
    }


def subscription_body(sub: SubscriptionRec, catalog: Catalog, at: int, payment_method: str) -> Body:
    """A `subscription` object with its items embedded, as of `at`."""
    items: list[Body] = [
        {
            "id": item.id,
            "object": "subscription_item",
            "billing_thresholds": None,
            "created": item.created,
            "current_period_end": sub.period_end,
            "current_period_start": sub.period_start,
            "discounts": [],
            "metadata": {},
            "plan": catalog.plan_body(item.price.id, at),
            "price": catalog.price_body(item.price.id, at),
            "quantity": item.quantity,
            "subscription": sub.id,
            "tax_rates": [],
        }
        for item in sub.items
    ]
    return {
        "id": sub.id,
        "object": "subscription",
        "application": None,
        "application_fee_percent": None,
        "automatic_tax": _SUBSCRIPTION_AUTOMATIC_TAX,
        "billing_cycle_anchor": sub.billing_cycle_anchor,
        "billing_cycle_anchor_config": None,
        "billing_mode": _BILLING_MODE,
        "billing_schedules": [],
        "billing_thresholds": None,
        "cancel_at": sub.cancel_at,
        "cancel_at_period_end": sub.cancel_at_period_end,
        "canceled_at": sub.canceled_at,
        "cancellation_details": {
            "comment": None,
            "feedback": sub.cancellation_feedback,
            "reason": sub.cancellation_reason,
        },
        "collection_method": "charge_automatically",
        "created": sub.created,
        "currency": sub.items[0].price.currency,
        "customer": sub.customer_id,
        "customer_account": None,
        "days_until_due": None,
        "default_payment_method": payment_method,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": [discount.id for discount in sub.discounts],
        "ended_at": sub.ended_at,
        "invoice_settings": _SUBSCRIPTION_INVOICE_SETTINGS,
        "items": _list(items, f"/v1/subscription_items?subscription={sub.id}"),
        "latest_invoice": sub.latest_invoice,
        "livemode": False,
        "managed_payments": _MANAGED_PAYMENTS,
        "metadata": {},
        "next_pending_invoice_item_invoice": None,
        "on_behalf_of": None,
        "pause_collection": None,
        "payment_settings": _SUBSCRIPTION_PAYMENT_SETTINGS,
        "pending_invoice_item_interval": None,
        "pending_setup_intent": None,
        "pending_update": None,
        "schedule": None,
        "start_date": sub.start_date,
        "status": sub.status,
        "test_clock": None,
        "transfer_data": None,
        "trial_end": None,
        "trial_settings": _TRIAL_SETTINGS,
        "trial_start": None,
    }


def line_body(line: LineRec, invoice_id: str, subscription_id: str) -> Body:
    """An invoice `line_item` of a subscription item."""
    credited = None
    if line.credited is not None:
        credited = {"invoice": line.credited[0], "invoice_line_items": [line.credited[1]]}
    return {
        "id": line.id,
        "object": "line_item",
        "amount": line.amount,
        "currency": line.price.currency,
        "description": line.description,
        "discount_amounts": [{"amount": amount, "discount": d} for d, amount in line.discount_amounts],
        "discountable": True,
        "discounts": [d for d, _ in line.discount_amounts],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "parent": {
            "invoice_item_details": None,
            "subscription_item_details": {
                "invoice_item": None,
                "proration": line.proration,
                "proration_details": {"credited_items": credited},
                "subscription": subscription_id,
                "subscription_item": line.subscription_item,
            },
            "type": "subscription_item_details",
        },
        "period": {"end": line.period_end, "start": line.period_start},
        "pretax_credit_amounts": [],
        "pricing": {
            "price_details": {"price": line.price.id, "product": line.price.product.id},
            "type": "price_details",
            "unit_amount_decimal": str(line.price.unit_amount),
        },
        "quantity": line.quantity,
        "quantity_decimal": str(line.quantity),
        "subscription": subscription_id,
        "subtotal": line.amount,
        "taxes": [],
    }


def invoice_lines(invoice: InvoiceRec) -> Body:
    """The embedded `lines` list of an invoice (rendered once; lines never change)."""
    if invoice.lines_body is None:
        data = [line_body(line, invoice.id, invoice.subscription_id) for line in invoice.lines]
        invoice.lines_body = _list(data, f"/v1/invoices/{invoice.id}/lines")
    return invoice.lines_body


def invoice_body(invoice: InvoiceRec) -> Body:
    """An `invoice` object."""
    totals: dict[str, int] = {}
    for line in invoice.lines:
        for discount_id, amount in line.discount_amounts:
            totals[discount_id] = totals.get(discount_id, 0) + amount
    finalized = invoice.finalized_at is not None
    token = invoice.id[3:]
    snapshot = invoice.customer_snapshot
    return {
        "id": invoice.id,
        "object": "invoice",
        "account_country": "US",
        "account_name": ACCOUNT_NAME,
        "account_tax_ids": None,
        "amount_due": invoice.amount_due,
        "amount_overpaid": 0,
        "amount_paid": invoice.amount_paid,
        "amount_remaining": invoice.amount_due - invoice.amount_paid,
        "amount_shipping": 0,
        "application": None,
        "attempt_count": invoice.attempt_count,
        "attempted": invoice.attempt_count > 0,
        "auto_advance": invoice.status in ("draft", "open"),
        "automatic_tax": _INVOICE_AUTOMATIC_TAX,
        "automatically_finalizes_at": invoice.created + 3600 if invoice.status == "draft" else None,
        "billing_reason": invoice.billing_reason,
        "collection_method": "charge_automatically",
        "created": invoice.created,
        "currency": invoice.currency,
        "custom_fields": None,
        "customer": invoice.customer_id,
        "customer_account": None,
        "customer_address": snapshot.get("address"),
        "customer_email": snapshot.get("email"),
        "customer_name": snapshot.get("name"),
        "customer_phone": snapshot.get("phone"),
        "customer_shipping": None,
        "customer_tax_exempt": "none",
        "customer_tax_ids": [],
        "default_payment_method": None,
        "default_source": None,
        "default_tax_rates": [],
        "description": None,
        "discounts": invoice.discount_ids,
        "due_date": None,
        "effective_at": invoice.finalized_at,
        "ending_balance": invoice.ending_balance,
        "footer": None,
        "from_invoice": None,
        "hosted_invoice_url": f"https://invoice.stripe.com/i/{ACCOUNT_ID}/test_{token}" if finalized else None,
        "invoice_pdf": f"https://pay.stripe.com/invoice/{ACCOUNT_ID}/test_{token}/pdf" if finalized else None,
        "issuer": _ISSUER,
        "last_finalization_error": None,
        "latest_revision": None,
        "lines": invoice_lines(invoice),
        "livemode": False,
        "metadata": {},
        "next_payment_attempt": invoice.next_payment_attempt,
        "number": invoice.number,
        "on_behalf_of": None,
        "parent": _invoice_parent(invoice),
        "payment_settings": _INVOICE_PAYMENT_SETTINGS,
        "period_end": invoice.period_end,
        "period_start": invoice.period_start,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "receipt_number": None,
        "rendering": _INVOICE_RENDERING,
        "shipping_cost": None,
        "shipping_details": None,
        "starting_balance": invoice.starting_balance,
        "statement_descriptor": None,
        "status": invoice.status,
        "status_transitions": {
            "finalized_at": invoice.finalized_at,
            "marked_uncollectible_at": invoice.uncollectible_at,
            "paid_at": invoice.paid_at,
            "voided_at": invoice.voided_at,
        },
        "subscription": invoice.subscription_id,
        "subtotal": invoice.subtotal,
        "subtotal_excluding_tax": invoice.subtotal,
        "test_clock": None,
        "total": invoice.total,
        "total_discount_amounts": [{"amount": a, "discount": d} for d, a in totals.items()],
        "total_excluding_tax": invoice.total,
        "total_pretax_credit_amounts": [],
        "total_taxes": [],
        "webhooks_delivered_at": invoice.created,
    }


def _build_outcome(failure_code: str | None) -> Body:
    if failure_code is None:
        return {
            "advice_code": None,
            "network_advice_code": None,
            "network_decline_code": None,
            "network_status": "approved_by_network",
            "reason": None,
            "seller_message": "Payment complete.",
            "type": "authorized",
        }
    _, reason, seller_message = FAILURES[failure_code]
    return {
        "advice_code": "try_again_later" if failure_code != "expired_card" else "do_not_try_again",
        "network_advice_code": None,
        "network_decline_code": None,
        "network_status": "declined_by_network",
        "reason": reason,
        "seller_message": seller_message,
        "type": "issuer_declined",
    }


_OUTCOMES: dict[str | None, Body] = {code: _build_outcome(code) for code in (None, *FAILURES)}


def refund_body(refund: RefundRec) -> Body:
    """A `refund` object."""
    return {
        "id": refund.id,
        "object": "refund",
        "amount": refund.amount,
        "balance_transaction": refund.balance_transaction,
        "charge": refund.charge_id,
        "created": refund.created,
        "currency": refund.currency,
        "customer": refund.customer_id,
        "customer_account": None,
        "destination_details": {
            "card": {
                "reference": None,
                "reference_status": "pending",
                "reference_type": "acquirer_reference_number",
                "type": "refund",
            },
            "type": "card",
        },
        "metadata": {},
        "payment_intent": refund.payment_intent,
        "payment_method": refund.payment_method,
        "reason": refund.reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }


def charge_body(charge: ChargeRec, customer: CustomerRec) -> Body:
    """A `charge` object (basil: no `invoice` field; the payment intent links it)."""
    succeeded = charge.status == "succeeded"
    message = FAILURES[charge.failure_code][0] if charge.failure_code else None
    refunded = charge.amount_refunded
    return {
        "id": charge.id,
        "object": "charge",
        "amount": charge.amount,
        "amount_captured": charge.amount if succeeded else 0,
        "amount_refunded": refunded,
        "application": None,
        "application_fee": None,
        "application_fee_amount": None,
        "balance_transaction": charge.balance_transaction,
        "billing_details": {
            "address": customer.address,
            "email": customer.email,
            "name": customer.name,
            "phone": customer.phone,
            "tax_id": None,
        },
        "calculated_statement_descriptor": "ACMECLOUD",
        "captured": succeeded,
        "created": charge.created,
        "currency": charge.currency,
        "customer": charge.customer_id,
        "description": charge.description,
        "disputed": False,
        "failure_balance_transaction": None,
        "failure_code": charge.failure_code,
        "failure_message": message,
        "fraud_details": {},
        "livemode": False,
        "metadata": {},
        "on_behalf_of": None,
        "outcome": _OUTCOMES[charge.failure_code],
        "paid": succeeded,
        "payment_intent": charge.payment_intent,
        "payment_method": charge.card.id,
        "payment_method_details": charge.card.payment_method_details,
        "receipt_email": None,
        "receipt_number": None,
        "receipt_url": f"https://pay.stripe.com/receipts/payment/{charge.id}" if succeeded else None,
        "refunded": succeeded and refunded >= charge.amount,
        "refunds": _list([refund_body(r) for r in charge.refunds], f"/v1/charges/{charge.id}/refunds"),
        "review": None,
        "shipping": None,
        "source": None,
        "source_transfer": None,
        "statement_descriptor": None,
        "statement_descriptor_suffix": None,
        "status": charge.status,
        "transfer_data": None,
        "transfer_group": None,
    }


def card_details(brand: str, last4: str, exp_month: int, exp_year: int, fingerprint: str, country: str) -> Body:
    """`payment_method_details.card` of a saved card (shared by all its charges)."""
    return {
        "amount_authorized": None,
        "authorization_code": None,
        "brand": brand,
        "checks": {"address_line1_check": None, "address_postal_code_check": None, "cvc_check": None},
        "country": country,
        "exp_month": exp_month,
        "exp_year": exp_year,
        "extended_authorization": {"status": "disabled"},
        "fingerprint": fingerprint,
        "funding": "credit",
        "incremental_authorization": {"status": "unavailable"},
        "installments": None,
        "last4": last4,
        "mandate": None,
        "multicapture": {"status": "unavailable"},
        "network": brand,
        "network_token": {"used": False},
        "network_transaction_id": None,
        "overcapture": {"maximum_amount_capturable": 0, "status": "unavailable"},
        "regulated_status": "unregulated",
        "three_d_secure": None,
        "wallet": None,
    }
