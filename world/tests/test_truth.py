"""Ground truth is internally consistent, covers the behaviours, and matches the emitted JSON."""

from __future__ import annotations

import csv
import itertools
import json
from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from acme_world import ObjectVersion, World
from acme_world.timeline import DAY, month_of, month_start_epoch, next_month

FACTOR = {"month": Fraction(1), "year": Fraction(1, 12), "week": Fraction(52, 12), "day": Fraction(365, 12)}


# -- an independent implementation of contracts.md §2/§3 from the JSON only --------------------


def _state(versions: list[ObjectVersion], as_of: int) -> dict[str, dict[str, Any] | None]:
    state: dict[str, dict[str, Any] | None] = {}
    for version in versions:
        if version.valid_from > as_of:
            break
        state[version.id] = version.body
    return state


def _movement(prev: Decimal, cur: Decimal, ever: bool) -> str:
    if prev == 0:
        return "unchanged" if cur == 0 else ("reactivation" if ever else "new")
    if cur == 0:
        return "churn"
    return "expansion" if cur > prev else "contraction" if cur < prev else "unchanged"


def mrr_from_json(versions: list[ObjectVersion], as_of: int) -> dict[tuple[str, date], Any]:
    """(customer, month) -> (mrr, movement), as a downstream model would compute it."""
    bodies = [b for b in _state(versions, as_of).values() if b]
    prices = {b["id"]: b for b in bodies if b["object"] == "price"}
    periods: dict[str, list[tuple[int, Fraction]]] = defaultdict(list)
    for invoice in (b for b in bodies if b["object"] == "invoice"):
        lines = [ln for ln in invoice["lines"]["data"] if not ln["parent"]["subscription_item_details"]["proration"]]
        if invoice["status"] in ("draft", "void") or not lines:
            continue
        amount = Fraction(0)
        for line in lines:
            recurring = prices[line["pricing"]["price_details"]["price"]]["recurring"]
            net = line["amount"] - sum(d["amount"] for d in line["discount_amounts"])
            amount += net * FACTOR[recurring["interval"]] / recurring["interval_count"]
        subscription = invoice["parent"]["subscription_details"]["subscription"]
        periods[subscription].append((min(ln["period"]["start"] for ln in lines), amount / 100))
    subs_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for sub in (b for b in bodies if b["object"] == "subscription"):
        subs_of[sub["customer"]].append(sub)
    result: dict[tuple[str, date], Any] = {}
    for customer, subs in subs_of.items():
        month = month_of(min(s["start_date"] for s in subs))
        prev, ever = Decimal("0.00"), False
        while month <= month_of(as_of):
            t = min(month_start_epoch(next_month(month)) - 1, as_of)
            total = Fraction(0)
            for sub in subs:
                if sub["start_date"] <= t and (sub["ended_at"] is None or sub["ended_at"] > t):
                    known = [p for p in periods[sub["id"]] if p[0] <= t]
                    total += max(known, key=lambda p: p[0])[1] if known else 0
            cur = (Decimal(total.numerator) / Decimal(total.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if cur > 0 or ever:
                result[(customer, month)] = (cur, _movement(prev, cur, ever))
                ever, prev = ever or cur > 0, cur
            month = next_month(month)
    return result


def failed_from_json(versions: list[ObjectVersion], as_of: int) -> dict[str, tuple[int, bool]]:
    """charge id -> (attempt_number, is_recovered)."""
    by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for body in _state(versions, as_of).values():
        if body and body["object"] == "charge":
            by_intent[body["payment_intent"]].append(body)
    result = {}
    for charges in by_intent.values():
        charges.sort(key=lambda c: c["created"])
        for rank, charge in enumerate(charges, start=1):
            if charge["status"] == "failed":
                recovered = any(c["status"] == "succeeded" for c in charges[rank:])
                result[charge["id"]] = (rank, recovered)
    return result


def _as_ofs(world: World) -> list[int]:
    timeline = world.timeline
    return [timeline.anchor, timeline.end, timeline.fraction(0.5), timeline.anchor - 5 * 3600]


# -- tests -------------------------------------------------------------------------------------


def test_truth_matches_the_emitted_json(world: World) -> None:
    for as_of in _as_ofs(world):
        truth = world.truth(as_of)
        ours = {(r.stripe_customer_id, r.month): (r.mrr, r.movement) for r in truth.mrr}
        assert ours == mrr_from_json(world.stripe.versions, as_of)
        failed = {r.charge_id: (r.attempt_number, r.is_recovered) for r in truth.failed_payments}
        assert failed == failed_from_json(world.stripe.versions, as_of)


def test_mrr_movements_add_up(world: World) -> None:
    rows = world.truth().mrr
    assert rows
    by_customer: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_customer[row.stripe_customer_id].append(row)
    last_month = month_of(world.timeline.anchor)
    for customer_rows in by_customer.values():
        months = [r.month for r in customer_rows]
        assert months == sorted(months)
        assert months[-1] == last_month
        assert all(next_month(a) == b for a, b in itertools.pairwise(months))
        assert customer_rows[0].movement == "new"
        assert customer_rows[0].mrr > 0
        assert sum(r.mrr_change for r in customer_rows) == customer_rows[-1].mrr
        assert len({r.currency for r in customer_rows}) == 1
        prev = Decimal("0.00")
        for row in customer_rows:
            assert row.mrr == row.mrr.quantize(Decimal("0.01"))
            assert row.mrr >= 0
            assert row.mrr_change == row.mrr - prev
            if row.movement == "churn":
                assert prev > 0
                assert row.mrr == 0
            if row.movement in ("expansion", "contraction"):
                assert prev > 0
                assert row.mrr > 0
            prev = row.mrr
    movements = {r.movement for r in rows}
    assert movements == {"new", "reactivation", "expansion", "contraction", "churn", "unchanged"}


def test_every_failed_charge_is_in_truth(world: World) -> None:
    truth = world.truth(world.timeline.end)
    failed = {r.charge_id: r for r in truth.failed_payments}
    ledger = world.stripe.ledger
    assert set(failed) == {c.id for c in ledger.charges.values() if c.status == "failed"}
    assert {r.failure_code for r in failed.values()} == {"card_declined", "insufficient_funds", "expired_card"}
    recovered = [r for r in failed.values() if r.is_recovered]
    assert recovered
    assert any(not r.is_recovered for r in failed.values())
    assert max(r.attempt_number for r in failed.values()) == 4
    for row in failed.values():
        assert row.amount > 0
        assert row.currency in ("usd", "eur", "gbp")
        assert (row.recovered_at is not None) == row.is_recovered
        if row.recovered_at is not None:
            assert row.recovered_at > row.failed_at
        assert ledger.customers[row.stripe_customer_id].company_id == row.company_id
    retries = [c for cs in ledger.charges_by_intent.values() for c in cs[1:]]
    gaps = {
        (b.created - a.created) // DAY for cs in ledger.charges_by_intent.values() for a, b in itertools.pairwise(cs)
    }
    assert retries
    assert gaps <= {2, 3, 5}


def test_unrecovered_payments_cancel_the_subscription(world: World) -> None:
    ledger = world.stripe.ledger
    canceled = [s for s in ledger.subscriptions.values() if s.cancellation_reason == "payment_failed"]
    assert canceled
    for sub in canceled:
        final = [ledger.invoices[i] for i in sub.invoice_ids if ledger.invoices[i].status in ("uncollectible", "void")]
        assert final
        assert sub.ended_at in {i.uncollectible_at or i.voided_at for i in final}


def test_prorations(world: World) -> None:
    invoices = world.stripe.ledger.invoices.values()
    prorated = [i for i in invoices if any(line.proration for line in i.lines)]
    assert prorated
    assert {i.billing_reason for i in prorated} == {"subscription_update"}
    assert any(line.amount < 0 for i in prorated for line in i.lines)
    assert any(line.amount > 0 and line.proration for i in prorated for line in i.lines)
    for invoice in prorated:
        assert invoice.created == invoice.finalized_at  # invoiced immediately
    # the new price shows up on the next regular invoice
    ledger = world.stripe.ledger
    for invoice in prorated:
        sub = ledger.subscriptions[invoice.subscription_id]
        debits = {line.price.id for line in invoice.lines if line.proration and line.amount > 0}
        later = [ledger.invoices[i] for i in sub.invoice_ids if ledger.invoices[i].created > invoice.created]
        if debits and later and later[0].billing_reason == "subscription_cycle":
            assert debits <= {line.price.id for line in later[0].lines}
            assert not any(line.proration for line in later[0].lines)


def test_catalogue_and_customers_cover_the_cases(world: World, other_world: World) -> None:
    for w in (world, other_world):
        ledger = w.stripe.ledger
        intervals = {
            (s.items[0].price.interval, s.items[0].price.interval_count) for s in ledger.subscriptions.values()
        }
        assert intervals >= {("month", 1), ("year", 1), ("week", 1), ("month", 3)}
        assert {c.currency for c in ledger.customers.values()} >= {"usd", "eur", "gbp"}
        assert any(c.deleted_at for c in ledger.customers.values())
        assert any(len(ledger.subscriptions_by_customer[c]) > 1 for c in ledger.customers)
        assert "reactivation" in {r.movement for r in w.truth().mrr}
        durations = {d.coupon.duration for d in ledger.discounts.values()}
        assert durations == {"once", "repeating", "forever"}
        assert any(line.discount_amounts for i in ledger.invoices.values() for line in i.lines)
        assert any(s.cancel_at_period_end and s.ended_at for s in ledger.subscriptions.values())
        assert any(s.ended_at and not s.cancel_at_period_end for s in ledger.subscriptions.values())
        assert any(v.valid_from > w.timeline.anchor for v in w.stripe.versions)


def test_owners(world: World) -> None:
    truth = world.truth()
    owners = {(r.resource, r.record_id): r for r in truth.owners if r.system == "stripe"}
    companies = world.core.company_by_id
    people = {p.id: p for p in world.core.people}
    for version in world.stripe.versions_between(-1, world.timeline.anchor):
        if version.resource in ("product", "price"):
            continue
        row = owners[(version.resource, version.id)]
        assert row.system == "stripe"
        assert row.company_id in companies
        if row.person_id is not None:
            assert people[row.person_id].company_id == row.company_id
    customers = [r for r in truth.owners if r.system == "stripe" and r.resource == "customer"]
    assert any(r.person_id is None for r in customers)
    assert any(r.person_id is not None for r in customers)
    # metadata is usually, but not always, right: truth does not depend on it
    ledger = world.stripe.ledger
    right = sum(
        c.metadata.get("salesforce_account_id") == companies[c.company_id].salesforce_account_id
        for c in ledger.customers.values()
    )
    assert 0.6 * len(ledger.customers) < right < len(ledger.customers)
    assert len({c.company_id for c in ledger.customers.values()}) < len(ledger.customers)


def test_as_of_limits(world: World) -> None:
    with pytest.raises(ValueError, match="horizon"):
        world.truth(world.timeline.end + 1)
    early = world.truth(world.timeline.start + 3 * DAY)
    assert len(early.mrr) <= len(world.truth().mrr)


def test_write_truth(world: World, tmp_path: Path) -> None:
    paths = world.write_truth(tmp_path, world.anchor)
    assert sorted(p.name for p in paths) == [
        "customers.csv",
        "failed_payments.csv",
        "manifest.json",
        "mrr.csv",
        "open_escalations.csv",
        "owners.csv",
    ]
    with (tmp_path / "mrr.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["stripe_customer_id", "company_id", "month", "currency", "mrr", "movement", "mrr_change"]
    truth = world.truth(world.anchor)
    assert len(rows) == len(truth.mrr)
    with (tmp_path / "failed_payments.csv").open() as handle:
        failed = list(csv.DictReader(handle))
    assert list(failed[0]) == [
        "charge_id",
        "stripe_customer_id",
        "company_id",
        "payment_intent_id",
        "amount",
        "currency",
        "failed_at",
        "attempt_number",
        "failure_code",
        "is_recovered",
        "recovered_at",
    ]
    assert {r["is_recovered"] for r in failed} == {"true", "false"}
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["config"]["seed"] == 42
    assert manifest["counts"]["truth"]["mrr.csv"] == len(truth.mrr)
    assert manifest["counts"]["stripe"]["objects"]["customer"] > 0
