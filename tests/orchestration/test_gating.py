"""(c) Gating: a failed Stripe load leaves Stripe's marts as they were, marked stale, and the rest refreshes."""

from __future__ import annotations

from pathlib import Path

from tests.orchestration.conftest import DataDir
from tests.orchestration.harness import acme, json_events, query


def _mart_status(warehouse: Path) -> dict[str, dict[str, object]]:
    rows = query(
        warehouse,
        "select mart, status, reason, inputs, last_good_run_id, checked_by_run_id from ops.mart_status",
    )
    names = ("status", "reason", "inputs", "last_good_run_id", "checked_by_run_id")
    return {mart: dict(zip(names, rest, strict=True)) for mart, *rest in rows}


def _rows(warehouse: Path, relation: str) -> list[tuple]:
    return sorted(query(warehouse, f"select * from {relation}"), key=repr)


def _run_id(output: str) -> str:
    return next(e["run_id"] for e in json_events(output) if e.get("event") == "run finished")


def test_failed_stripe_load_keeps_fct_mrr_stale_while_zendesk_staging_refreshes(clean_dir: DataDir, fresh_copy) -> None:
    path = fresh_copy(clean_dir)
    warehouse = path / "warehouse.duckdb"
    good_rows = _rows(warehouse, "gold.fct_mrr")
    before = _mart_status(warehouse)
    assert good_rows, "the clean run should have built fct_mrr"
    assert before["fct_mrr"]["status"] == "fresh"

    # the sandbox rejects this key: the Stripe load fails before anything is written
    failed = acme(path, "run", "stripe-delta", TAP_STRIPE_API_KEY="sk_test_not_the_sandbox_key")
    assert failed.returncode == 1, failed.tail()
    after_failure = _mart_status(warehouse)
    mrr = after_failure["fct_mrr"]
    assert mrr["status"] == "stale"
    assert "stripe: load failed" in str(mrr["reason"]), mrr
    assert mrr["last_good_run_id"] == before["fct_mrr"]["last_good_run_id"]
    assert mrr["checked_by_run_id"] == _run_id(failed.output)
    assert _rows(warehouse, "gold.fct_mrr") == good_rows
    (load_status,) = query(warehouse, "select load_status from ops.source_status where source = 'stripe'")[0]
    assert load_status == "failed"

    # a Zendesk run still refreshes what does not depend on Stripe; what does stays stale
    zendesk = acme(path, "run", "zendesk-delta")
    assert zendesk.returncode == 0, zendesk.tail()
    zendesk_run = _run_id(zendesk.output)
    after = _mart_status(warehouse)
    independent = {
        m: s
        for m, s in after.items()
        if "zendesk" in str(s["inputs"]).split(",") and "stripe" not in str(s["inputs"]).split(",")
    }
    assert independent, "some tracked model should depend on Zendesk and not on Stripe"
    for mart, state in independent.items():
        assert state["status"] == "fresh", (mart, state)
        assert state["last_good_run_id"] == zendesk_run, (mart, state)
    assert after["fct_mrr"]["status"] == "stale"
    assert after["fct_mrr"]["checked_by_run_id"] == zendesk_run
    assert "stripe: load failed" in str(after["fct_mrr"]["reason"])
    assert _rows(warehouse, "gold.fct_mrr") == good_rows
    build = next(e for e in json_events(zendesk.output) if e.get("event") == "gating plan")
    assert "source:stripe+" in build["args"], build
