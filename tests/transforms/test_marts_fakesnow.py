"""Snowflake parity for the gold marts: customer_360, open_support_escalations, churn_risk_inputs and
the fct_* tables build with dbt-snowflake on a fakesnow server (twice: the second run takes the
incremental path of churn_risk_inputs) from a small slice of the world (a few companies, every
system), and agree with the same build on DuckDB.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from .bronze import load_duckdb, load_snowflake
from .test_marts_world import (
    ANCHOR,
    MARTS,
    identity_models_exist,
    load_sources_duckdb,
    load_sources_snowflake,
    ok,
    oracle_identity,
    project_for_tests,
    run_dbt_in,
    source_bronze_rows,
    write_identity_duckdb,
    write_identity_snowflake,
)
from .world_bronze import world_bronze_rows

pytestmark = pytest.mark.snowflake

DATABASE = "ACME_MARTS"
COMPANIES = 12


def _slice(world: Any, truth: Any) -> tuple[set[str], Any, Any]:
    """Companies with MRR, tickets and opportunities first; their records only (plus shared ones)."""
    owners = {(o.system, o.resource, o.record_id): o.company_id for o in truth.owners}
    with_mrr = sorted({r.company_id for r in truth.mrr})
    escalated = sorted({e.company_id for e in truth.open_escalations})
    companies = set(escalated[:2] + [c for c in with_mrr if c not in escalated][: COMPANIES - 2])

    def keep(system: str, resource: str, record_id: str) -> bool:
        company = owners.get((system, resource, record_id))
        return company is None or company in companies

    def stripe_keep(row: Any) -> bool:
        record = row.record
        if row.stream in ("products", "prices"):
            return True
        if row.stream == "events":
            return False
        if row.stream == "subscription_items":
            return keep("stripe", "subscription", str(record.get("subscription")))
        if row.stream == "invoice_line_items":
            return keep("stripe", "invoice", str(record.get("invoice")))
        return keep("stripe", row.stream[:-1], str(record["id"]))

    stripe_rows = [r for r in world_bronze_rows(world, ANCHOR) if stripe_keep(r)]
    return companies, stripe_rows, source_bronze_rows(world, ANCHOR, keep)


def _gold(fetch: Any) -> dict[str, Any]:
    return {
        "customer_360": sorted(
            fetch(
                "select customer_id, cast(current_mrr as varchar), subscription_status, open_ticket_count, "
                "open_escalation_count, failed_payment_count_90d, stripe_customer_ids, salesforce_account_ids "
                "from gold.customer_360"
            )
        ),
        "escalations": sorted(fetch("select ticket_id, customer_id, sla_state from gold.open_support_escalations")),
        "churn": fetch(
            "select count(*), count(distinct customer_id), cast(cast(sum(mrr) as numeric(28, 2)) as varchar), "
            "cast(sum(failed_payments_30d) as integer), cast(sum(tickets_created_30d) as integer), "
            "cast(sum(open_opportunities) as integer) from gold.churn_risk_inputs"
        ),
        "fct_mrr": fetch(
            "select count(*), count(customer_id), cast(cast(sum(mrr) as numeric(28, 2)) as varchar) from gold.fct_mrr"
        ),
    }


def test_marts_build_on_fakesnow_like_duckdb(fakesnow_server: dict[str, Any], tmp_path: Path) -> None:
    import snowflake.connector
    from acme_world import WorldConfig, build_world

    world = build_world(WorldConfig(seed=42, scale=0.01, anchor=ANCHOR, history_months=24, future_hours=48))
    truth = world.truth(ANCHOR)
    companies, stripe_rows, source_rows = _slice(world, truth)
    crosswalk, customers = oracle_identity(truth, companies)
    vars_ = {"as_of": ANCHOR.isoformat()}
    args = ["build", "--select", MARTS, "--indirect-selection", "cautious"]

    # DuckDB reference
    duck_dir = tmp_path / "duckdb"
    duck_dir.mkdir()
    db = duck_dir / "warehouse.duckdb"
    load_duckdb(str(db), stripe_rows)
    load_sources_duckdb(str(db), source_rows)
    write_identity_duckdb(str(db), crosswalk, customers)
    project = project_for_tests(duck_dir)
    result, duck_seconds = run_dbt_in(project, args, duck_dir, {"ACME_DUCKDB_PATH": str(db)}, vars_)
    ok(result)
    con = duckdb.connect(str(db), read_only=True)
    try:
        expected = _gold(lambda sql: con.execute(sql).fetchall())
    finally:
        con.close()

    # fakesnow
    snow_dir = tmp_path / "fakesnow"
    snow_dir.mkdir()
    conn = snowflake.connector.connect(**fakesnow_server, database=DATABASE, schema="BRONZE")
    try:
        load_snowflake(conn, stripe_rows)
        load_sources_snowflake(conn, source_rows)
        write_identity_snowflake(conn, crosswalk, customers)
    finally:
        conn.close()
    env = {
        "FAKESNOW_HOST": str(fakesnow_server["host"]),
        "FAKESNOW_PORT": str(fakesnow_server["port"]),
        "FAKESNOW_DATABASE": DATABASE,
    }
    project = project_for_tests(snow_dir, ts_type="timestamp_ntz")
    first, snow_seconds = run_dbt_in(project, [*args, "--target", "fakesnow"], snow_dir, env, vars_)
    ok(first)
    second, incr_seconds = run_dbt_in(
        project, ["run", "--select", "churn_risk_inputs", "--target", "fakesnow"], snow_dir, env, vars_
    )
    ok(second)
    print(
        f"\nmarts slice: DuckDB {duck_seconds:.1f} s, fakesnow {snow_seconds:.1f} s, incremental {incr_seconds:.1f} s"
    )

    conn = snowflake.connector.connect(**fakesnow_server, database=DATABASE, schema="GOLD")
    try:
        cur = conn.cursor()

        def fetch(sql: str) -> list[tuple[Any, ...]]:
            cur.execute(sql)
            return [
                tuple(int(v) if isinstance(v, Decimal) and v == v.to_integral_value() else v for v in r)
                for r in cur.fetchall()
            ]

        got = _gold(fetch)
    finally:
        conn.close()
    assert expected["customer_360"], "the slice should have customers"
    if not identity_models_exist():
        assert len(expected["customer_360"]) == len(companies)
    for key in expected:
        assert [tuple(str(v) for v in r) for r in got[key]] == [tuple(str(v) for v in r) for r in expected[key]], key
