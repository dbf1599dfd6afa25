"""The key test: fct_mrr and fct_failed_payments equal acme_world's ground truth (contracts.md §2, §3).

Bronze is built from the world's Stripe object versions as the tap would emit them, dbt builds the
whole project on DuckDB with `as_of`, and every customer-month (MRR, change, movement) and every
failed attempt must match `world.truth(as_of)` exactly.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from .bronze import load_duckdb
from .conftest import assert_ok, run_dbt
from .world_bronze import world_bronze_rows

ANCHOR = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)


def _build_world() -> Any:
    from acme_world import WorldConfig, build_world

    return build_world(WorldConfig(seed=42, scale=0.01, anchor=ANCHOR, history_months=24, future_hours=48))


@pytest.fixture(scope="module")
def world() -> Any:
    return _build_world()


def _naive(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


@pytest.mark.parametrize(
    "as_of",
    [
        pytest.param(ANCHOR, id="anchor"),
        # mid-month, mid-day, in the past: clamps t for the last month and cuts off later charges
        pytest.param(ANCHOR - timedelta(days=75, hours=5, minutes=17, seconds=3), id="past-mid-month"),
    ],
)
def test_gold_equals_world_truth(world: Any, as_of: datetime, tmp_path: Path) -> None:
    truth = world.truth(as_of)
    assert truth.mrr, "the world should have MRR to compare"
    db = tmp_path / "warehouse.duckdb"
    load_duckdb(str(db), world_bronze_rows(world, as_of))

    result = run_dbt(
        ["build"],
        tmp_path,
        env={"ACME_DUCKDB_PATH": str(db)},
        vars_={"as_of": as_of.isoformat()},
    )
    assert_ok(result)

    con = duckdb.connect(str(db), read_only=True)
    try:
        mrr_rows = con.execute(
            "select stripe_customer_id, month, currency, mrr, mrr_change, movement from gold.fct_mrr"
        ).fetchall()
        fp_rows = con.execute(
            "select charge_id, stripe_customer_id, payment_intent_id, amount, currency, failed_at, "
            "attempt_number, coalesce(failure_code, ''), is_recovered, recovered_at "
            "from gold.fct_failed_payments"
        ).fetchall()
    finally:
        con.close()

    expected_mrr = {(r.stripe_customer_id, r.month): (r.currency, r.mrr, r.mrr_change, r.movement) for r in truth.mrr}
    got_mrr = {(c, m): (cur, Decimal(mrr), Decimal(chg), mv) for c, m, cur, mrr, chg, mv in mrr_rows}
    assert len(got_mrr) == len(mrr_rows), "fct_mrr has duplicate customer-months"
    missing = sorted(set(expected_mrr) - set(got_mrr))[:10]
    extra = sorted(set(got_mrr) - set(expected_mrr))[:10]
    wrong = sorted(
        (k, got_mrr[k], expected_mrr[k]) for k in set(got_mrr) & set(expected_mrr) if got_mrr[k] != expected_mrr[k]
    )[:10]
    assert not missing, f"customer-months in the truth but not in fct_mrr: {missing}"
    assert not extra, f"customer-months in fct_mrr but not in the truth: {extra}"
    assert not wrong, f"customer-months that differ (got, truth): {wrong}"

    expected_fp = {
        r.charge_id: (
            r.stripe_customer_id,
            r.payment_intent_id,
            r.amount,
            r.currency,
            _naive(r.failed_at),
            r.attempt_number,
            r.failure_code or "",
            r.is_recovered,
            _naive(r.recovered_at),
        )
        for r in truth.failed_payments
    }
    got_fp = {row[0]: tuple(row[1:]) for row in fp_rows}
    assert len(got_fp) == len(fp_rows)
    diff = {
        k: (got_fp.get(k), expected_fp.get(k))
        for k in set(got_fp) | set(expected_fp)
        if got_fp.get(k) != expected_fp.get(k)
    }
    assert not diff, f"{len(diff)} failed-payment rows differ (got, truth): {dict(list(diff.items())[:5])}"
