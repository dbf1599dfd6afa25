"""Minimal Stripe API objects ("basil" shapes) for hand-written transforms test scenarios.

Only the fields the dbt project reads, shaped like the Stripe API returns them (see
/work/shared/reference/stripe/fixtures3.json); amounts are in minor units, times in epoch seconds.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def ts(text: str) -> int:
    """'2025-01-10' or '2025-01-10T08:00:00' (UTC) -> epoch seconds."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp())


def customer(cid: str, created: str, currency: str | None = "usd", **extra: Any) -> dict[str, Any]:
    return {
        "id": cid,
        "object": "customer",
        "created": ts(created),
        "currency": currency,
        "email": f"{cid}@example.com",
        "name": f"Customer {cid}",
        "balance": 0,
        "delinquent": False,
        "livemode": False,
        "metadata": {},
        **extra,
    }


def product(pid: str, name: str) -> dict[str, Any]:
    return {
        "id": pid,
        "object": "product",
        "name": name,
        "active": True,
        "created": ts("2024-01-01"),
        "updated": ts("2024-01-01"),
        "livemode": False,
        "metadata": {},
        "type": "service",
    }


def price(
    pid: str, product_id: str, unit_amount: int, interval: str, interval_count: int = 1, currency: str = "usd"
) -> dict[str, Any]:
    return {
        "id": pid,
        "object": "price",
        "active": True,
        "billing_scheme": "per_unit",
        "created": ts("2024-01-01"),
        "currency": currency,
        "livemode": False,
        "metadata": {},
        "product": product_id,
        "recurring": {
            "interval": interval,
            "interval_count": interval_count,
            "usage_type": "licensed",
            "meter": None,
            "trial_period_days": None,
        },
        "type": "recurring",
        "unit_amount": unit_amount,
        "unit_amount_decimal": str(unit_amount),
    }


def subscription_item(
    si_id: str, sub_id: str, price_obj: dict[str, Any], created: str, quantity: int = 1
) -> dict[str, Any]:
    return {
        "id": si_id,
        "object": "subscription_item",
        "created": ts(created),
        "metadata": {},
        "price": price_obj,
        "quantity": quantity,
        "subscription": sub_id,
        "discounts": [],
        "tax_rates": [],
    }


def subscription(
    sub_id: str,
    customer_id: str,
    items: list[dict[str, Any]],
    start: str,
    status: str = "active",
    ended_at: str | None = None,
    canceled_at: str | None = None,
    currency: str = "usd",
) -> dict[str, Any]:
    return {
        "id": sub_id,
        "object": "subscription",
        "customer": customer_id,
        "currency": currency,
        "status": status,
        "start_date": ts(start),
        "created": ts(start),
        "billing_cycle_anchor": ts(start),
        "ended_at": ts(ended_at) if ended_at else None,
        "canceled_at": ts(canceled_at) if canceled_at else None,
        "cancel_at": None,
        "cancel_at_period_end": False,
        "collection_method": "charge_automatically",
        "livemode": False,
        "metadata": {},
        "items": {"object": "list", "data": items, "has_more": False},
    }


def line(
    il_id: str,
    invoice_id: str,
    sub_id: str | None,
    si_id: str | None,
    price_obj: dict[str, Any] | None,
    amount: int,
    period_start: str,
    period_end: str,
    proration: bool = False,
    discounts: list[int] | None = None,
    currency: str = "usd",
) -> dict[str, Any]:
    if sub_id is not None:
        parent: dict[str, Any] = {
            "type": "subscription_item_details",
            "subscription_item_details": {
                "invoice_item": None,
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": sub_id,
                "subscription_item": si_id,
            },
            "invoice_item_details": None,
        }
    else:
        parent = {
            "type": "invoice_item_details",
            "invoice_item_details": {
                "invoice_item": f"ii_{il_id}",
                "proration": proration,
                "proration_details": {"credited_items": None},
                "subscription": None,
            },
            "subscription_item_details": None,
        }
    return {
        "id": il_id,
        "object": "line_item",
        "amount": amount,
        "currency": currency,
        "description": f"line {il_id}",
        "discount_amounts": [{"amount": d, "discount": f"di_{il_id}_{i}"} for i, d in enumerate(discounts or [])],
        "discountable": True,
        "discounts": [],
        "invoice": invoice_id,
        "livemode": False,
        "metadata": {},
        "period": {"start": ts(period_start), "end": ts(period_end)},
        "quantity": 1,
        "parent": parent,
        "pricing": {
            "type": "price_details",
            "price_details": {
                "price": price_obj["id"] if price_obj else None,
                "product": price_obj["product"] if price_obj else None,
            },
            "unit_amount_decimal": str(amount),
        },
    }


def invoice(
    in_id: str,
    customer_id: str,
    sub_id: str | None,
    lines: list[dict[str, Any]],
    created: str,
    status: str = "paid",
    currency: str = "usd",
) -> dict[str, Any]:
    total = sum(x["amount"] - sum(d["amount"] for d in x["discount_amounts"]) for x in lines)
    return {
        "id": in_id,
        "object": "invoice",
        "customer": customer_id,
        "currency": currency,
        "status": status,
        "billing_reason": "subscription_cycle" if sub_id else "manual",
        "collection_method": "charge_automatically",
        "created": ts(created),
        "period_start": ts(created),
        "period_end": ts(created),
        "subtotal": sum(x["amount"] for x in lines),
        "total": total,
        "amount_due": total,
        "amount_paid": total if status == "paid" else 0,
        "amount_remaining": 0 if status == "paid" else total,
        "attempt_count": 1,
        "livemode": False,
        "metadata": {},
        "number": in_id.upper(),
        "parent": {
            "type": "subscription_details" if sub_id else None,
            "subscription_details": {"subscription": sub_id, "metadata": {}} if sub_id else None,
            "quote_details": None,
        },
        "status_transitions": {"finalized_at": ts(created), "paid_at": None, "voided_at": None},
        "lines": {"object": "list", "data": lines, "has_more": False},
    }


def charge(
    ch_id: str,
    customer_id: str,
    payment_intent: str | None,
    amount: int,
    created: str,
    status: str,
    failure_code: str | None = None,
    failure_message: str | None = None,
    currency: str = "usd",
) -> dict[str, Any]:
    return {
        "id": ch_id,
        "object": "charge",
        "amount": amount,
        "amount_captured": amount if status == "succeeded" else 0,
        "amount_refunded": 0,
        "captured": status == "succeeded",
        "created": ts(created),
        "currency": currency,
        "customer": customer_id,
        "description": None,
        "disputed": False,
        "failure_code": failure_code,
        "failure_message": failure_message,
        "livemode": False,
        "metadata": {},
        "outcome": {"type": "authorized" if status == "succeeded" else "issuer_declined", "reason": None},
        "paid": status == "succeeded",
        "payment_intent": payment_intent,
        "payment_method": "pm_card",
        "payment_method_details": {"type": "card"},
        "refunded": False,
        "status": status,
    }


def refund(re_id: str, charge_id: str, payment_intent: str | None, amount: int, created: str) -> dict[str, Any]:
    return {
        "id": re_id,
        "object": "refund",
        "amount": amount,
        "charge": charge_id,
        "created": ts(created),
        "currency": "usd",
        "metadata": {},
        "payment_intent": payment_intent,
        "reason": "requested_by_customer",
        "status": "succeeded",
    }


def event(evt_id: str, event_type: str, obj: dict[str, Any], created: str) -> dict[str, Any]:
    return {
        "id": evt_id,
        "object": "event",
        "api_version": "2025-03-31.basil",
        "created": ts(created),
        "data": {"object": obj, "previous_attributes": None},
        "livemode": False,
        "pending_webhooks": 0,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }


def tombstone(object_type: str, obj_id: str) -> dict[str, Any]:
    """A deleted object as the Stripe API (and the tap) returns it."""
    return {"id": obj_id, "object": object_type, "deleted": True}
