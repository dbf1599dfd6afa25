"""Delete detection from full snapshots (latest_version_with_deletes) and the bronze bookkeeping
models (stg_bronze__load_audit, stg_bronze__schema_changes), on DuckDB and on fakesnow.

History and expectations: tests/transforms/deletes_scenario.py.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from . import stripe_objects as so
from .bronze import BronzeRow, LoadAudit, load_duckdb, load_snowflake
from .conftest import DbtResult, assert_ok, run_dbt
from .deletes_scenario import (
    CR,
    EXPECTED_CHARGES,
    EXPECTED_CUSTOMERS,
    EXPECTED_SCHEMA_CHANGES,
    F3,
    SCHEMA_CHANGES_SQL,
    SELECT,
    audits,
    bronze_rows,
    schema_versions,
)


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DbtResult]:
    work = tmp_path_factory.mktemp("dbt_deletes")
    db = work / "warehouse.duckdb"
    load_duckdb(str(db), bronze_rows(), audits=audits(), schemas=schema_versions())
    result = run_dbt(["build", *SELECT], work, env={"ACME_DUCKDB_PATH": str(db)})
    return db, result


def test_build_passes(built: tuple[Path, DbtResult]) -> None:
    _, result = built
    assert_ok(result)
    statuses = result.statuses()
    assert any(k.startswith("model.acmecloud.stg_bronze__schema_changes") for k in statuses)
    assert any(k.startswith("test.") and "stg_bronze__load_audit" in k for k in statuses)


def test_deletes_from_source_and_from_full_snapshots(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    rows = _query(
        db,
        "select customer_id, is_deleted, deletion_signal, deleted_at, _run_id, _record_key "
        "from silver.stg_stripe__customers",
    )
    got = {r[0]: (r[1], r[2], _str_or_none(r[3]), r[4]) for r in rows}
    assert got == EXPECTED_CUSTOMERS
    assert all(r[0] == r[5] for r in rows)  # _record_key carried
    # a tombstone keeps the last live attributes
    assert _query(db, "select customer_name from silver.stg_stripe__customers where customer_id = 'cus_4'") == [
        ("Customer cus_4",)
    ]


def test_a_scoped_snapshot_infers_deletes_only_inside_its_ranges(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    got = {
        r[0]: (r[1], r[2])
        for r in _query(db, "select charge_id, is_deleted, deletion_signal from silver.stg_stripe__charges")
    }
    assert got == EXPECTED_CHARGES


def test_load_audit_model(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    rows = _query(
        db,
        "select run_id, stream, sync_mode, is_complete_full_snapshot, is_latest_complete_full_snapshot, "
        "duration_seconds from ops.stg_bronze__load_audit",
    )
    assert len(rows) == len(audits())
    complete = {(r[0], r[1]) for r in rows if r[3]}
    assert complete == {("run-full-1", "customers"), ("run-full-2", "customers"), (F3, "customers"), (CR, "charges")}
    assert sorted((r[0], r[1]) for r in rows if r[4]) == [(CR, "charges"), (F3, "customers")]
    assert {r[5] for r in rows if r[3]} == {3600}


def test_schema_changes_show_added_and_removed_properties(built: tuple[Path, DbtResult]) -> None:
    db, _ = built
    got = {(r[0], r[1]): tuple(r[2:]) for r in _query(db, SCHEMA_CHANGES_SQL)}
    assert got == EXPECTED_SCHEMA_CHANGES


def test_bookkeeping_models_build_on_empty_tables(tmp_path: Path) -> None:
    """dbt-only fixtures create the bookkeeping tables empty: everything still builds, nothing inferred."""
    db = tmp_path / "warehouse.duckdb"
    load_duckdb(str(db), bronze_rows())
    assert_ok(run_dbt(["build", *SELECT], tmp_path, env={"ACME_DUCKDB_PATH": str(db)}))
    assert _query(db, "select count(*) from ops.stg_bronze__schema_changes") == [(0,)]
    assert _query(db, "select count(*) from ops.stg_bronze__load_audit") == [(0,)]
    assert (
        _query(db, "select customer_id from silver.stg_stripe__customers where deletion_signal = 'full_snapshot'") == []
    )


def test_inference_can_be_switched_off(tmp_path: Path) -> None:
    """var infer_deletes_from_full_snapshots=false: only the source's deletes remain."""
    db = tmp_path / "warehouse.duckdb"
    load_duckdb(str(db), bronze_rows(), audits=audits())
    assert_ok(
        run_dbt(
            ["run", "--select", "stg_stripe__customers"],
            tmp_path,
            env={"ACME_DUCKDB_PATH": str(db)},
            vars_={"infer_deletes_from_full_snapshots": False},
        )
    )
    deleted = _query(db, "select customer_id, deletion_signal from silver.stg_stripe__customers where is_deleted")
    assert sorted(deleted) == [("cus_10", "source"), ("cus_4", "source")]


def _charge_row(charge_id: str, run_id: str, at: str, created: str = "2025-01-05") -> BronzeRow:
    extracted = datetime.fromisoformat(at)
    return BronzeRow(
        "charges",
        so.charge(charge_id, "cus_1", None, 100, created, "succeeded"),
        extracted,
        run_id=run_id,
        sync_mode="full",
        file_name=f"{run_id}-charges.jsonl",
    )


def test_incremental_model_flags_keys_missing_from_whole_and_scoped_snapshots(tmp_path: Path) -> None:
    """stg_stripe__charges is incremental: a snapshot that misses a key adds no version of that key,
    yet the next incremental run flags it; a scoped snapshot (Stripe's partitioned reconciliation)
    flags only keys inside its ranges; the result equals a full rebuild."""
    db = tmp_path / "warehouse.duckdb"
    env = {"ACME_DUCKDB_PATH": str(db)}
    select = ["--select", "stg_stripe__charges"]
    created = {"ch_1": "2025-01-05", "ch_2": "2025-01-05", "ch_in": "2025-01-20", "ch_gone": "2025-01-21"}
    first = [_charge_row(c, "cf-1", "2025-02-01T00:05:00", day) for c, day in created.items()]
    load_duckdb(str(db), first, audits=[LoadAudit("cf-1", "charges", datetime.fromisoformat("2025-02-01T00:00:00"))])
    assert_ok(run_dbt(["run", *select], tmp_path, env=env))
    assert _query(db, "select count(*) from silver.stg_stripe__charges where is_deleted") == [(0,)]

    # a whole-stream snapshot without ch_2
    second = [_charge_row(c, "cf-2", "2025-03-01T00:05:00", created[c]) for c in ("ch_1", "ch_in", "ch_gone")]
    load_duckdb(str(db), second, audits=[LoadAudit("cf-2", "charges", datetime.fromisoformat("2025-03-01T00:00:00"))])
    assert_ok(run_dbt(["run", *select], tmp_path, env=env))
    sql = (
        "select charge_id, is_deleted, deletion_signal, cast(deleted_at as varchar), _run_id "
        "from silver.stg_stripe__charges order by 1"
    )
    assert _query(db, sql) == [
        ("ch_1", False, None, None, "cf-2"),
        ("ch_2", True, "full_snapshot", "2025-03-01 00:00:00", "cf-1"),
        ("ch_gone", False, None, None, "cf-2"),
        ("ch_in", False, None, None, "cf-2"),
    ]

    # a scoped snapshot of created >= 2025-01-15: ch_in is there, ch_gone is not, ch_1 is not looked at
    scoped = LoadAudit(
        "cf-3", "charges", datetime.fromisoformat("2025-04-01T00:00:00"), scope_ranges=((1736899200, None),)
    )
    load_duckdb(str(db), [_charge_row("ch_in", "cf-3", "2025-04-01T00:05:00", created["ch_in"])], audits=[scoped])
    assert_ok(run_dbt(["run", *select], tmp_path, env=env))
    incremental = _query(db, sql)
    assert incremental == [
        ("ch_1", False, None, None, "cf-2"),
        ("ch_2", True, "full_snapshot", "2025-03-01 00:00:00", "cf-1"),
        ("ch_gone", True, "full_snapshot", "2025-04-01 00:00:00", "cf-2"),
        ("ch_in", False, None, None, "cf-3"),
    ]
    assert_ok(run_dbt(["run", *select, "--full-refresh"], tmp_path, env=env))
    assert _query(db, sql) == incremental


# --- fakesnow ----------------------------------------------------------------------------------

DATABASE = "ACME_DELETES"


@pytest.mark.snowflake
def test_deletes_and_schema_changes_on_fakesnow(fakesnow_server: dict[str, Any], tmp_path: Path) -> None:
    import snowflake.connector

    conn = snowflake.connector.connect(**fakesnow_server, database=DATABASE, schema="BRONZE")
    try:
        load_snowflake(conn, bronze_rows(), audits=audits(), schemas=schema_versions())
    finally:
        conn.close()
    env = {
        "FAKESNOW_HOST": str(fakesnow_server["host"]),
        "FAKESNOW_PORT": str(fakesnow_server["port"]),
        "FAKESNOW_DATABASE": DATABASE,
    }
    assert_ok(run_dbt(["build", "--target", "fakesnow", *SELECT], tmp_path, env=env))

    conn = snowflake.connector.connect(**fakesnow_server, database=DATABASE, schema="SILVER")
    try:
        cur = conn.cursor()
        # fakesnow returns a NULL TIMESTAMP_NTZ as 1970-01-01 on the wire: read it as text in SQL
        cur.execute(
            "select customer_id, is_deleted, deletion_signal, to_varchar(deleted_at, 'YYYY-MM-DD HH24:MI:SS'), "
            "_run_id from silver.stg_stripe__customers"
        )
        got = {r[0]: tuple(r[1:]) for r in cur.fetchall()}
        cur.execute(SCHEMA_CHANGES_SQL)
        changes = {(r[0], r[1]): tuple(r[2:]) for r in cur.fetchall()}
    finally:
        conn.close()
    assert got == EXPECTED_CUSTOMERS
    assert changes == EXPECTED_SCHEMA_CHANGES
