"""The README's main job, end to end: sandbox → Meltano → bronze → dbt → gold, measured against ground truth."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import duckdb

from tests.conftest import PipelineRun, run_main


def _truth(run: PipelineRun, name: str) -> list[dict[str, str]]:
    with (run.truth_dir / f"{name}.csv").open() as handle:
        return list(csv.DictReader(handle))


def _query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql).fetchall()


def _money(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def test_main_job_prints_the_summary(pipeline_run: PipelineRun) -> None:
    out = pipeline_run.stdout
    for heading in (
        "Rows per layer and table",
        "bronze (",
        "silver (",
        "gold (",
        "MRR movements in",
        "Failed payment attempts",
        "Warehouse:",
    ):
        assert heading in out
    assert str(pipeline_run.warehouse) in out


def test_fct_mrr_equals_ground_truth_for_every_customer_month(pipeline_run: PipelineRun) -> None:
    truth = {
        (r["stripe_customer_id"], r["month"][:10]): (r["currency"], _money(r["mrr"]), r["movement"])
        for r in _truth(pipeline_run, "mrr")
    }
    model = {
        (customer, str(month)[:10]): (currency, _money(mrr), movement)
        for customer, month, currency, mrr, movement in _query(
            pipeline_run.warehouse,
            "select stripe_customer_id, month, currency, mrr, movement from gold.fct_mrr",
        )
    }
    assert len(truth) > 100
    missing = sorted(set(truth) - set(model))[:5]
    extra = sorted(set(model) - set(truth))[:5]
    # the truth rounds each customer-month once to cents; the model keeps more decimals: allow one cent
    wrong = sorted(
        k
        for k in truth.keys() & model.keys()
        if truth[k][0::2] != model[k][0::2] or abs(truth[k][1] - model[k][1]) > Decimal("0.01")
    )
    assert not missing, f"customer-months missing from fct_mrr: {missing}"
    assert not extra, f"customer-months in fct_mrr but not in the truth: {extra}"
    assert not wrong, [(k, truth[k], model[k]) for k in wrong[:5]]


def test_fct_failed_payments_matches_ground_truth(pipeline_run: PipelineRun) -> None:
    truth = {
        r["charge_id"]: (
            r["stripe_customer_id"],
            _money(r["amount"]),
            r["currency"],
            int(r["attempt_number"]),
            r["is_recovered"].lower() == "true",
        )
        for r in _truth(pipeline_run, "failed_payments")
    }
    model = {
        charge: (customer, _money(amount), currency, int(attempt), bool(recovered))
        for charge, customer, amount, currency, attempt, recovered in _query(
            pipeline_run.warehouse,
            "select charge_id, stripe_customer_id, amount, currency, attempt_number, is_recovered "
            "from gold.fct_failed_payments",
        )
    }
    assert truth, "the world should contain failed payments"
    assert model == truth


def _silver_and_gold(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Rows and a content fingerprint of every silver and gold relation."""
    tables = _query(
        warehouse,
        "select table_schema, table_name from information_schema.tables where table_schema in ('silver', 'gold')",
    )
    snapshot = {}
    for schema, table in tables:
        # lineage columns (_run_id, _extracted_at, ...) may move to a newer identical version; data may not
        columns = [
            name
            for (name,) in _query(
                warehouse,
                f"select column_name from information_schema.columns where table_schema = '{schema}' "
                f"and table_name = '{table}' and column_name not like '\\_%' escape '\\' order by ordinal_position",
            )
        ]
        row = ", ".join(f'"{c}"' for c in columns)
        rows, fingerprint = _query(
            warehouse,
            f'select count(*), coalesce(sum(hash(row({row})::varchar)), 0)::varchar from "{schema}"."{table}"',
        )[0]
        snapshot[f"{schema}.{table}"] = (rows, fingerprint)
    return snapshot


def test_second_run_without_source_changes_adds_nothing_to_silver_or_gold(pipeline_run: PipelineRun) -> None:
    before = _silver_and_gold(pipeline_run.warehouse)
    again = run_main(pipeline_run.data_dir)
    assert again.returncode == 0, again.stderr[-5000:]
    assert _silver_and_gold(pipeline_run.warehouse) == before
