"""The status tables on the production target: the same writes against a fakesnow server."""

from __future__ import annotations

from typing import Any

import pytest
from acme_orchestration import ops_store, runs, status


@pytest.mark.snowflake
def test_statuses_and_run_records_on_snowflake(
    fakesnow_server: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = {k: v for k, v in fakesnow_server.items() if k != "session_parameters"}
    monkeypatch.setattr(ops_store, "snowflake_connect_args", lambda: {**args, "database": "ACME_OPS_TEST"})

    status.record_load("stripe", True, "", "run-1", target="snowflake")
    status.record_checks({"stripe": ""}, "run-1", target="snowflake")
    status.record_marts([status.MartStatus("fct_mrr", "gold", "fresh", "", ("stripe",))], "run-1", "snowflake")
    status.record_load("stripe", False, "HTTP 401", "run-2", target="snowflake")
    status.record_marts(
        [status.MartStatus("fct_mrr", "gold", "stale", "input not usable: stripe", ("stripe",))], "run-2", "snowflake"
    )
    record = runs.RunRecord(run_id="run-2", job="stripe-delta")
    runs.start(record, ["stripe-delta"], "snowflake")
    record.finish("failed")
    runs.record(record, "snowflake")

    stripe = status.load_sources("snowflake")["stripe"]
    assert not stripe.healthy
    assert stripe.last_success_run_id == "run-1"
    (mart,) = status.load_marts("snowflake")
    assert (mart["status"], mart["last_good_run_id"], mart["checked_by_run_id"]) == ("stale", "run-1", "run-2")
    with ops_store.connect("snowflake") as conn:
        assert conn.execute("select status from ops.pipeline_runs where run_id = 'run-2'") == [("failed",)]
