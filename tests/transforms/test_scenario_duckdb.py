"""The whole dbt project on DuckDB over a hand-written Stripe history (tests/transforms/scenario.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from . import stripe_objects as so
from .bronze import BronzeRow, load_duckdb
from .conftest import DbtResult, assert_ok, run_dbt
from .scenario import AS_OF, EXPECTED_FAILED_PAYMENTS, EXPECTED_MRR, bronze_rows


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtResult]:
    work = tmp_path_factory.mktemp("dbt_duckdb")
    db = work / "warehouse.duckdb"
    load_duckdb(str(db), bronze_rows())
    result = run_dbt(["build"], work, env={"ACME_DUCKDB_PATH": str(db)}, vars_={"as_of": AS_OF})
    return db, result


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_build_passes_every_model_and_test(built: tuple[Path, DbtResult]) -> None:
    _, result = built
    assert_ok(result)
    statuses = result.statuses()
    assert any(k.startswith("model.acmecloud.fct_mrr") for k in statuses)
    assert sum(1 for k in statuses if k.startswith("test.")) > 100


def test_schemas_are_exactly_bronze_silver_gold(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    rows = _query(db, "select table_schema, table_name from information_schema.tables")
    schemas = {s for s, _ in rows}
    assert {"bronze", "silver", "gold"} <= schemas
    assert not any(s.startswith("main_") for s in schemas)
    assert {"fct_mrr", "fct_failed_payments"} <= {t for s, t in rows if s == "gold"}


def test_fct_mrr_matches_the_contract(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    rows = _query(
        db,
        "select stripe_customer_id, cast(month as varchar), currency, mrr, previous_mrr, mrr_change, movement "
        "from gold.fct_mrr order by 1, 2",
    )
    got = [(c, m, cur, mrr, prev, mv) for c, m, cur, mrr, prev, _chg, mv in rows]
    assert got == EXPECTED_MRR
    for _c, _m, _cur, mrr, prev, chg, _mv in rows:
        assert chg == mrr - prev


def test_fct_failed_payments_matches_the_contract(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    rows = _query(
        db,
        "select charge_id, stripe_customer_id, payment_intent_id, amount, attempt_number, failure_code, "
        "is_recovered, recovered_by_charge_id, recovered_at, failed_at from gold.fct_failed_payments",
    )
    got = {r[0]: tuple(r[1:8]) for r in rows}
    assert got == EXPECTED_FAILED_PAYMENTS
    by_id = {r[0]: r for r in rows}
    assert str(by_id["ch_1"][8]) == "2025-02-14 10:00:00"  # recovered_at = ch_3.created
    assert by_id["ch_4"][8] is None
    assert str(by_id["ch_2"][9]) == "2025-02-12 10:00:00"  # failed_at = created, UTC


def test_staging_keeps_latest_version_and_flags_deletes(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    customers = {
        r[0]: r[1:]
        for r in _query(
            db, "select customer_id, customer_name, is_deleted, deleted_at, _run_id from silver.stg_stripe__customers"
        )
    }
    assert customers["cus_A"] == ("Customer cus_A", False, None, "run-0001")  # later version wins
    name, deleted, deleted_at, run_id = customers["cus_C"]
    assert (name, deleted, str(deleted_at), run_id) == ("Customer cus_C", True, "2025-04-21 06:00:00", "run-0042")
    # same _extracted_at: _file_name desc decides
    assert _query(db, "select status from silver.stg_stripe__subscriptions where subscription_id = 'sub_B1'") == [
        ("canceled",)
    ]
    assert _query(
        db, "select is_deleted from silver.stg_stripe__subscription_items where subscription_item_id = 'si_B1'"
    ) == [(True,)]
    assert _query(db, "select count(*) from silver.stg_stripe__events where event_id = 'evt_2'") == [(1,)]
    assert _query(
        db,
        "select amount, discount_amount, amount_after_discounts from silver.stg_stripe__invoice_line_items "
        "where invoice_line_item_id = 'il_A5'",
    ) == [(20000, 5000, 15000)]
    # timestamps are naive UTC
    assert _query(
        db, "select cast(created_at as varchar) from silver.stg_stripe__charges where charge_id = 'ch_1'"
    ) == [("2025-02-10 10:00:00",)]


def test_incremental_run_picks_up_new_versions(tmp_path: Path) -> None:
    """Second run of the incremental staging models over appended bronze equals a full rebuild."""
    db = tmp_path / "warehouse.duckdb"
    rows = bronze_rows()
    load_duckdb(str(db), rows)
    select = ["--select", "+fct_failed_payments", "stg_stripe__events", "--indirect-selection", "cautious"]
    assert_ok(run_dbt(["build", *select], tmp_path, env={"ACME_DUCKDB_PATH": str(db)}, vars_={"as_of": AS_OF}))

    later = datetime_at("2025-06-15T08:00:00")
    loaded = datetime_at("2025-06-21T00:00:00")  # bronze _loaded_at only grows
    new_rows = [
        # pi_B2 retried and succeeded before AS_OF: ch_4 is now recovered
        BronzeRow(
            "charges",
            so.charge("ch_8", "cus_B", "pi_B2", 1000, "2025-06-14T10:00:00", "succeeded"),
            later,
            run_id="run-0100",
            loaded_at=loaded,
        ),
        # a later extraction of an existing charge with a changed field
        BronzeRow(
            "charges",
            so.charge("ch_2", "cus_A", "pi_A2", 10000, "2025-02-12T10:00:00", "failed", "do_not_honor", "Declined."),
            later,
            run_id="run-0100",
            loaded_at=loaded,
        ),
        BronzeRow(
            "events",
            so.event("evt_3", "charge.succeeded", {"id": "ch_8", "object": "charge"}, "2025-06-14T10:00:01"),
            later,
            loaded_at=loaded,
        ),
    ]
    load_duckdb(str(db), new_rows)
    second = run_dbt(["build", *select], tmp_path, env={"ACME_DUCKDB_PATH": str(db)}, vars_={"as_of": AS_OF})
    assert_ok(second)
    got = {
        r[0]: r[1:]
        for r in _query(
            db,
            "select charge_id, failure_code, is_recovered, recovered_by_charge_id, attempt_number "
            "from gold.fct_failed_payments",
        )
    }
    assert got["ch_4"] == ("expired_card", True, "ch_8", 1)
    assert got["ch_2"] == ("do_not_honor", True, "ch_3", 2)
    assert _query(db, "select count(*), count(distinct charge_id) from silver.stg_stripe__charges") == [(8, 8)]
    assert _query(db, "select _run_id from silver.stg_stripe__charges where charge_id = 'ch_2'") == [("run-0100",)]
    assert _query(db, "select count(*) from silver.stg_stripe__events") == [(3,)]


def test_as_of_defaults_to_now(tmp_path: Path) -> None:
    db = tmp_path / "warehouse.duckdb"
    load_duckdb(str(db), bronze_rows())
    assert_ok(run_dbt(["run", "--select", "+int_stripe__month_spine"], tmp_path, env={"ACME_DUCKDB_PATH": str(db)}))
    [(last_month, last_evaluated)] = _query(
        db, "select max(month_start_at), max(evaluated_at) from silver.int_stripe__month_spine"
    )
    now = datetime.now(UTC).replace(tzinfo=None)
    assert last_month == now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    assert abs((now - last_evaluated).total_seconds()) < 600  # "now" is UTC, not local time


def datetime_at(text: str) -> datetime:
    return datetime.fromisoformat(text)
