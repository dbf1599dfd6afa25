"""A hand-written Stripe history that exercises every rule of contracts.md §2 and §3.

`bronze_rows()` is what bronze holds; `EXPECTED_MRR` / `EXPECTED_FAILED_PAYMENTS` are worked out by
hand from the contract (comments say why), for AS_OF.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from . import stripe_objects as so
from .bronze import BronzeRow

AS_OF = "2025-06-15T12:00:00Z"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def bronze_rows() -> list[BronzeRow]:
    rows: list[BronzeRow] = []

    def add(stream: str, record: dict, extracted: str, **kw) -> None:
        rows.append(BronzeRow(stream=stream, record=record, extracted_at=_at(extracted), **kw))

    # --- catalogue ------------------------------------------------------------------------------
    prod = so.product("prod_app", "AcmeCloud")
    basic = so.price("price_basic_m", "prod_app", 10000, "month")  # 100.00 / month
    pro = so.price("price_pro_m", "prod_app", 20000, "month")  # 200.00 / month
    yearly = so.price("price_team_y", "prod_app", 120000, "year")  # 1200 / year = 100 / month
    biweekly = so.price("price_lite_2w", "prod_app", 1000, "week", 2)  # 10 / 2 weeks
    daily_eur = so.price("price_eu_d", "prod_app", 100, "day", currency="eur")  # 1 EUR / day
    add("products", prod, "2025-01-01T01:00:00")
    for p in (basic, pro, yearly, biweekly, daily_eur):
        add("prices", p, "2025-01-01T01:00:00")

    # --- customer A: new, plan change via proration (shows from next period), discount, expansion
    cus_a = so.customer("cus_A", "2025-01-10")
    add("customers", {**cus_a, "name": "Old name"}, "2025-01-10T06:00:00")
    add("customers", cus_a, "2025-02-01T06:00:00")  # later version wins
    si_a = so.subscription_item("si_A", "sub_A", basic, "2025-01-10")
    si_a_pro = so.subscription_item("si_A", "sub_A", pro, "2025-01-10")
    sub_a = so.subscription("sub_A", "cus_A", [si_a], "2025-01-10")
    sub_a_pro = so.subscription("sub_A", "cus_A", [si_a_pro], "2025-01-10")
    add("subscriptions", sub_a, "2025-01-10T06:00:00")
    add("subscriptions", sub_a_pro, "2025-03-21T06:00:00")
    add("subscription_items", si_a, "2025-01-10T06:00:00")
    add("subscription_items", si_a_pro, "2025-03-21T06:00:00")
    a_invoices = [
        so.invoice(
            "in_A1",
            "cus_A",
            "sub_A",
            [so.line("il_A1", "in_A1", "sub_A", "si_A", basic, 10000, "2025-01-10", "2025-02-10")],
            "2025-01-10",
        ),
        so.invoice(
            "in_A2",
            "cus_A",
            "sub_A",
            [so.line("il_A2", "in_A2", "sub_A", "si_A", basic, 10000, "2025-02-10", "2025-03-10")],
            "2025-02-10",
        ),
        so.invoice(
            "in_A3",
            "cus_A",
            "sub_A",
            [so.line("il_A3", "in_A3", "sub_A", "si_A", basic, 10000, "2025-03-10", "2025-04-10")],
            "2025-03-10",
        ),
        # upgrade on Mar 20: proration lines only -> never counts; pro shows from the Apr 10 period
        so.invoice(
            "in_A3p",
            "cus_A",
            "sub_A",
            [
                so.line("il_A3p1", "in_A3p", "sub_A", "si_A", basic, -6774, "2025-03-20", "2025-04-10", proration=True),
                so.line("il_A3p2", "in_A3p", "sub_A", "si_A", pro, 13548, "2025-03-20", "2025-04-10", proration=True),
            ],
            "2025-03-20",
        ),
        so.invoice(
            "in_A4",
            "cus_A",
            "sub_A",
            [
                so.line("il_A4", "in_A4", "sub_A", "si_A", pro, 20000, "2025-04-10", "2025-05-10"),
                # one-off invoice item on the same invoice: not a subscription line
                so.line("il_A4x", "in_A4", None, None, None, 5000, "2025-04-10", "2025-04-10"),
            ],
            "2025-04-10",
        ),
        # two coupons on May: 20000 - 3000 - 2000 = 15000
        so.invoice(
            "in_A5",
            "cus_A",
            "sub_A",
            [
                so.line(
                    "il_A5", "in_A5", "sub_A", "si_A", pro, 20000, "2025-05-10", "2025-06-10", discounts=[3000, 2000]
                )
            ],
            "2025-05-10",
        ),
        so.invoice(
            "in_A6",
            "cus_A",
            "sub_A",
            [so.line("il_A6", "in_A6", "sub_A", "si_A", pro, 20000, "2025-06-10", "2025-07-10")],
            "2025-06-10",
        ),
    ]
    for inv in a_invoices:
        add("invoices", inv, inv_extracted(inv))
        for ln in inv["lines"]["data"]:
            add("invoice_line_items", ln, inv_extracted(inv))

    # --- customer B: yearly plan, churn, reactivation on a bi-weekly plan; void + draft ignored
    add("customers", so.customer("cus_B", "2025-01-05"), "2025-01-05T06:00:00")
    si_b1 = so.subscription_item("si_B1", "sub_B1", yearly, "2025-01-05")
    sub_b1 = so.subscription("sub_B1", "cus_B", [si_b1], "2025-01-05")
    sub_b1_canceled = so.subscription(
        "sub_B1", "cus_B", [si_b1], "2025-01-05", status="canceled", ended_at="2025-03-15", canceled_at="2025-03-15"
    )
    # same _extracted_at: the later file name wins (contracts.md §4 ordering)
    add("subscriptions", sub_b1, "2025-03-16T06:00:00", file_name="stripe-subscriptions-a.jsonl", file_row=9)
    add("subscriptions", sub_b1_canceled, "2025-03-16T06:00:00", file_name="stripe-subscriptions-b.jsonl", file_row=0)
    add("subscription_items", si_b1, "2025-01-05T06:00:00")
    add("subscription_items", so.tombstone("subscription_item", "si_B1"), "2025-03-16T06:00:00")
    in_b1 = so.invoice(
        "in_B1",
        "cus_B",
        "sub_B1",
        [so.line("il_B1", "in_B1", "sub_B1", "si_B1", yearly, 120000, "2025-01-05", "2026-01-05")],
        "2025-01-05",
    )
    si_b2 = so.subscription_item("si_B2", "sub_B2", biweekly, "2025-05-02")
    add("subscriptions", so.subscription("sub_B2", "cus_B", [si_b2], "2025-05-02"), "2025-05-02T06:00:00")
    add("subscription_items", si_b2, "2025-05-02T06:00:00")
    b2_invoices = [
        so.invoice(
            f"in_B2_{d}",
            "cus_B",
            "sub_B2",
            [so.line(f"il_B2_{d}", f"in_B2_{d}", "sub_B2", "si_B2", biweekly, 1000, start, end)],
            start,
        )
        for d, start, end in (
            ("0502", "2025-05-02", "2025-05-16"),
            ("0516", "2025-05-16", "2025-05-30"),
            ("0530", "2025-05-30", "2025-06-13"),
            ("0613", "2025-06-13", "2025-06-27"),
        )
    ]
    b2_invoices.append(
        so.invoice(
            "in_B2_void",
            "cus_B",
            "sub_B2",
            [so.line("il_B2_void", "in_B2_void", "sub_B2", "si_B2", biweekly, 99999, "2025-06-14", "2025-06-28")],
            "2025-06-14",
            status="void",
        )
    )
    b2_invoices.append(
        so.invoice(
            "in_B2_draft",
            "cus_B",
            "sub_B2",
            [so.line("il_B2_draft", "in_B2_draft", "sub_B2", "si_B2", biweekly, 88888, "2025-06-15", "2025-06-29")],
            "2025-06-15",
            status="draft",
        )
    )
    for inv in [in_b1, *b2_invoices]:
        add("invoices", inv, inv_extracted(inv))
        for ln in inv["lines"]["data"]:
            add("invoice_line_items", ln, inv_extracted(inv))

    # --- customer C: churns, then the customer is deleted (tombstone keeps last known attributes)
    add("customers", so.customer("cus_C", "2025-02-01"), "2025-02-01T06:00:00")
    add("customers", so.tombstone("customer", "cus_C"), "2025-04-21T06:00:00", run_id="run-0042", sync_mode="delta")
    si_c = so.subscription_item("si_C", "sub_C", basic, "2025-02-01", quantity=1)
    add("subscriptions", so.subscription("sub_C", "cus_C", [si_c], "2025-02-01"), "2025-02-01T06:00:00")
    add(
        "subscriptions",
        so.subscription(
            "sub_C", "cus_C", [si_c], "2025-02-01", status="canceled", ended_at="2025-04-20", canceled_at="2025-04-20"
        ),
        "2025-04-21T06:00:00",
    )
    add("subscription_items", si_c, "2025-02-01T06:00:00")
    for m in ("02", "03", "04"):
        inv = so.invoice(
            f"in_C{m}",
            "cus_C",
            "sub_C",
            [
                so.line(
                    f"il_C{m}", f"in_C{m}", "sub_C", "si_C", basic, 5000, f"2025-{m}-01", f"2025-{int(m) + 1:02d}-01"
                )
            ],
            f"2025-{m}-01",
        )
        add("invoices", inv, inv_extracted(inv))
        for ln in inv["lines"]["data"]:
            add("invoice_line_items", ln, inv_extracted(inv))

    # --- customer D (EUR): daily price; only one billing period so far
    add("customers", so.customer("cus_D", "2025-05-20", currency="eur"), "2025-05-20T06:00:00")
    si_d = so.subscription_item("si_D", "sub_D", daily_eur, "2025-05-20")
    add("subscriptions", so.subscription("sub_D", "cus_D", [si_d], "2025-05-20", currency="eur"), "2025-05-20T06:00:00")
    add("subscription_items", si_d, "2025-05-20T06:00:00")
    in_d = so.invoice(
        "in_D1",
        "cus_D",
        "sub_D",
        [so.line("il_D1", "in_D1", "sub_D", "si_D", daily_eur, 100, "2025-05-20", "2025-05-21", currency="eur")],
        "2025-05-20",
        currency="eur",
    )
    add("invoices", in_d, inv_extracted(in_d))
    add("invoice_line_items", in_d["lines"]["data"][0], inv_extracted(in_d))

    # --- customer E: trialing, zero-amount invoice only -> never MRR > 0 -> no fct_mrr rows
    add("customers", so.customer("cus_E", "2025-06-01"), "2025-06-01T06:00:00")
    si_e = so.subscription_item("si_E", "sub_E", basic, "2025-06-01")
    add(
        "subscriptions",
        so.subscription("sub_E", "cus_E", [si_e], "2025-06-01", status="trialing"),
        "2025-06-01T06:00:00",
    )
    add("subscription_items", si_e, "2025-06-01T06:00:00")
    in_e = so.invoice(
        "in_E1",
        "cus_E",
        "sub_E",
        [so.line("il_E1", "in_E1", "sub_E", "si_E", basic, 0, "2025-06-01", "2025-06-15")],
        "2025-06-01",
    )
    add("invoices", in_e, inv_extracted(in_e))
    add("invoice_line_items", in_e["lines"]["data"][0], inv_extracted(in_e))

    # --- charges: retries share a payment intent
    add(
        "charges",
        so.charge(
            "ch_1", "cus_A", "pi_A2", 10000, "2025-02-10T10:00:00", "failed", "card_declined", "Your card was declined."
        ),
        "2025-02-10T12:00:00",
    )
    add(
        "charges",
        so.charge(
            "ch_2",
            "cus_A",
            "pi_A2",
            10000,
            "2025-02-12T10:00:00",
            "failed",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
        "2025-02-12T12:00:00",
    )
    add(
        "charges", so.charge("ch_3", "cus_A", "pi_A2", 10000, "2025-02-14T10:00:00", "succeeded"), "2025-02-14T12:00:00"
    )
    add(
        "charges",
        so.charge(
            "ch_4", "cus_B", "pi_B2", 1000, "2025-06-13T10:00:00", "failed", "expired_card", "Your card has expired."
        ),
        "2025-06-13T12:00:00",
    )
    # created after AS_OF: not seen (and it would not recover ch_4 as of AS_OF anyway)
    add("charges", so.charge("ch_5", "cus_B", "pi_B2", 1000, "2025-06-20T10:00:00", "succeeded"), "2025-06-20T12:00:00")
    # pending, later failed: the latest version counts
    add("charges", so.charge("ch_6", "cus_C", "pi_C04", 5000, "2025-04-01T10:00:00", "pending"), "2025-04-01T11:00:00")
    add(
        "charges",
        so.charge(
            "ch_6", "cus_C", "pi_C04", 5000, "2025-04-01T10:00:00", "failed", "card_declined", "Your card was declined."
        ),
        "2025-04-02T11:00:00",
    )
    add(
        "charges", so.charge("ch_7", "cus_A", "pi_A1", 10000, "2025-01-10T10:00:00", "succeeded"), "2025-01-10T12:00:00"
    )
    add("refunds", so.refund("re_1", "ch_7", "pi_A1", 2000, "2025-01-20T10:00:00"), "2025-01-20T12:00:00")
    add("events", so.event("evt_1", "customer.created", cus_a, "2025-01-10T00:00:05"), "2025-01-10T06:00:00")
    add("events", so.event("evt_2", "invoice.paid", a_invoices[0], "2025-01-10T00:01:00"), "2025-01-10T06:00:00")
    add(
        "events", so.event("evt_2", "invoice.paid", a_invoices[0], "2025-01-10T00:01:00"), "2025-01-11T06:00:00"
    )  # re-extracted
    return rows


def inv_extracted(inv: dict) -> str:
    return datetime.fromtimestamp(inv["created"] + 6 * 3600, UTC).replace(tzinfo=None).isoformat()


def _d(v: str) -> Decimal:
    return Decimal(v)


# (customer, month, currency, mrr, previous_mrr, movement)
EXPECTED_MRR: list[tuple[str, str, str, Decimal, Decimal, str]] = [
    ("cus_A", "2025-01-01", "usd", _d("100"), _d("0"), "new"),
    ("cus_A", "2025-02-01", "usd", _d("100"), _d("100"), "unchanged"),
    ("cus_A", "2025-03-01", "usd", _d("100"), _d("100"), "unchanged"),  # proration ignored
    ("cus_A", "2025-04-01", "usd", _d("200"), _d("100"), "expansion"),  # pro from next period
    ("cus_A", "2025-05-01", "usd", _d("150"), _d("200"), "contraction"),  # 5000 of discounts
    ("cus_A", "2025-06-01", "usd", _d("200"), _d("150"), "expansion"),
    ("cus_B", "2025-01-01", "usd", _d("100"), _d("0"), "new"),  # 1200 / year
    ("cus_B", "2025-02-01", "usd", _d("100"), _d("100"), "unchanged"),
    ("cus_B", "2025-03-01", "usd", _d("0"), _d("100"), "churn"),  # ended 2025-03-15
    ("cus_B", "2025-04-01", "usd", _d("0"), _d("0"), "unchanged"),
    ("cus_B", "2025-05-01", "usd", _d("21.67"), _d("0"), "reactivation"),  # 10 * 52 / 12 / 2
    ("cus_B", "2025-06-01", "usd", _d("21.67"), _d("21.67"), "unchanged"),  # void/draft ignored
    ("cus_C", "2025-02-01", "usd", _d("50"), _d("0"), "new"),
    ("cus_C", "2025-03-01", "usd", _d("50"), _d("50"), "unchanged"),
    ("cus_C", "2025-04-01", "usd", _d("0"), _d("50"), "churn"),
    ("cus_C", "2025-05-01", "usd", _d("0"), _d("0"), "unchanged"),
    ("cus_C", "2025-06-01", "usd", _d("0"), _d("0"), "unchanged"),
    ("cus_D", "2025-05-01", "eur", _d("30.42"), _d("0"), "new"),  # 1 * 365 / 12
    ("cus_D", "2025-06-01", "eur", _d("30.42"), _d("30.42"), "unchanged"),
]

# charge_id -> (customer, payment_intent, amount, attempt_number, failure_code, is_recovered, recovered_by)
EXPECTED_FAILED_PAYMENTS: dict[str, tuple] = {
    "ch_1": ("cus_A", "pi_A2", _d("100"), 1, "card_declined", True, "ch_3"),
    "ch_2": ("cus_A", "pi_A2", _d("100"), 2, "insufficient_funds", True, "ch_3"),
    "ch_4": ("cus_B", "pi_B2", _d("10"), 1, "expired_card", False, None),
    "ch_6": ("cus_C", "pi_C04", _d("50"), 1, "card_declined", False, None),
}
