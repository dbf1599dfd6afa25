"""Snowflake parity: the whole project builds with dbt-snowflake against a fakesnow server.

Bronze is created the way target-bronze does on Snowflake (VARIANT `_record` via PARSE_JSON), then
`dbt build --target fakesnow` builds everything, the incremental models are built again with their
tests (now on their incremental path: fakesnow's gap with ``merge`` is what that path works around),
and the gold tables must equal the same expectations as on DuckDB.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from .bronze import load_snowflake
from .conftest import assert_ok, run_dbt
from .scenario import AS_OF, EXPECTED_FAILED_PAYMENTS, EXPECTED_MRR, bronze_rows

pytestmark = pytest.mark.snowflake

DATABASE = "ACME_TEST"


def _connect(server: dict[str, Any], schema: str) -> Any:
    import snowflake.connector

    return snowflake.connector.connect(**server, database=DATABASE, schema=schema)


def _query(server: dict[str, Any], sql: str) -> list[tuple[Any, ...]]:
    conn = _connect(server, "GOLD")
    try:
        cur = conn.cursor()
        cur.execute(sql)
        return cur.fetchall()
    finally:
        conn.close()


def test_project_builds_on_fakesnow(fakesnow_server: dict[str, Any], tmp_path: Path) -> None:
    conn = _connect(fakesnow_server, "BRONZE")
    try:
        load_snowflake(conn, bronze_rows())
    finally:
        conn.close()

    env = {
        "FAKESNOW_HOST": str(fakesnow_server["host"]),
        "FAKESNOW_PORT": str(fakesnow_server["port"]),
        "FAKESNOW_DATABASE": DATABASE,
    }
    first = run_dbt(["build", "--target", "fakesnow"], tmp_path, env=env, vars_={"as_of": AS_OF})
    assert_ok(first)
    assert sum(1 for k in first.statuses() if k.startswith("test.")) > 100
    incremental = ["build", "--target", "fakesnow", "--select", "config.materialized:incremental"]
    second = run_dbt(incremental, tmp_path, env=env, vars_={"as_of": AS_OF})
    assert_ok(second)
    models = {k for k, status in second.statuses().items() if k.startswith("model.") and status == "success"}
    assert len(models) >= 8, models
    assert sum(1 for k in second.statuses() if k.startswith("test.")) > 20

    rows = _query(
        fakesnow_server,
        "select stripe_customer_id, to_varchar(month), currency, mrr, previous_mrr, movement "
        "from gold.fct_mrr order by 1, 2",
    )
    assert [(c, m, cur, Decimal(mrr), Decimal(prev), mv) for c, m, cur, mrr, prev, mv in rows] == EXPECTED_MRR

    # fakesnow's server serialises a NULL TIMESTAMP_NTZ as 1970-01-01 on the wire: read nullness in SQL
    fp = _query(
        fakesnow_server,
        "select charge_id, stripe_customer_id, payment_intent_id, amount, attempt_number, failure_code, "
        "is_recovered, recovered_by_charge_id, recovered_at is null from gold.fct_failed_payments",
    )
    got = {r[0]: (r[1], r[2], Decimal(r[3]), *r[4:8]) for r in fp}
    assert got == EXPECTED_FAILED_PAYMENTS
    assert {r[0]: r[8] for r in fp} == {"ch_1": False, "ch_2": False, "ch_4": True, "ch_6": True}

    schemas = {r[0] for r in _query(fakesnow_server, "select schema_name from information_schema.schemata")}
    assert {"BRONZE", "SILVER", "GOLD"} <= {s.upper() for s in schemas}
