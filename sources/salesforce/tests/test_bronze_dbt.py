"""Tap → target-bronze → dbt on a temporary DuckDB: a delete is flagged in silver, a new custom field
lands in bronze on the next run and ``bronze._schema_history`` gets a new version of the schema.

Scenario (one sandbox, clock an hour before the world deletes an account):
run 1 → the admin deploys ``Health_Score__c`` (the drift switch) and the clock moves two hours (the
account is deleted, the scoring job bumps every account) → run 2 with run 1's state → dbt builds the
Salesforce staging models and their tests.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import typing as t
from pathlib import Path

import duckdb
import pytest
from acme_world import World
from salesforce_sandbox import SandboxSettings, run_in_thread
from target_bronze.target import TargetBronze

Run = t.Callable[..., t.Any]
REPO = Path(__file__).resolve().parents[3]
TRANSFORMS = REPO / "transforms"


def _deleted_account(world: World) -> tuple[str, int]:
    live: dict[str, bool] = {}
    for version in world.salesforce.versions:
        if version.resource == "Account":
            if version.body["IsDeleted"] and live.get(version.id):
                return version.id, version.valid_from
            live[version.id] = not version.body["IsDeleted"]
    raise AssertionError("the world should delete an account")


def _load(messages: list[dict[str, t.Any]], work: Path, run_id: str) -> None:
    config = {
        "warehouse": "duckdb",
        "duckdb_path": str(work / "warehouse.duckdb"),
        "stage_url": str(work / "stage"),
        "source": "salesforce",
        "run_id": run_id,
    }
    target = TargetBronze(config=config, parse_env_config=False)
    with contextlib.redirect_stdout(io.StringIO()):
        target.listen(io.StringIO("\n".join(json.dumps(m) for m in messages) + "\n"))


def _dbt(work: Path, args: list[str], env: dict[str, str]) -> list[dict[str, t.Any]]:
    """``dbt build <args>`` on the shared project (target and logs in ``work``); its results."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ACME_", "SNOWFLAKE_", "FAKESNOW_"))}
    clean.update({**env, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})
    work.mkdir(parents=True, exist_ok=True)
    dbt = str(Path(sys.executable).with_name("dbt"))
    project = ["--project-dir", str(TRANSFORMS), "--profiles-dir", str(TRANSFORMS)]
    paths = ["--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    proc = subprocess.run(
        [dbt, "build", *args, *project, *paths],
        cwd=work,
        env=clean,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-2000:]
    results: list[dict[str, t.Any]] = json.loads((work / "target" / "run_results.json").read_text())["results"]
    assert {r["status"] for r in results} <= {"success", "pass"}
    return results


def _query(work: Path, sql: str) -> list[tuple[t.Any, ...]]:
    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(scope="module")
def scenario(
    world: World,
    tmp_path_factory: pytest.TempPathFactory,
    tap_runner: Run,
    tap_config: Run,
    sandbox_admin: Run,
) -> tuple[Path, str, int, t.Any, t.Any]:
    work = tmp_path_factory.mktemp("salesforce_bronze")
    account_id, deleted_at = _deleted_account(world)
    with run_in_thread(world, SandboxSettings(start_clock=deleted_at - 3600)) as sandbox:
        first = tap_runner(tap_config(sandbox.url))
        _load(first.messages, work, "run-1")
        drift = sandbox_admin(sandbox.url, "schema", health_score_after_hours="now")
        assert drift["account_has_health_score"]
        sandbox_admin(sandbox.url, "advance", hours=2)
        second = tap_runner(tap_config(sandbox.url), state=first.final_state)
        _load(second.messages, work, "run-2")
    return work, account_id, deleted_at, first, second


def test_new_custom_field_lands_in_bronze_and_the_schema_history(scenario: tuple[t.Any, ...]) -> None:
    work, _, _, first, second = scenario
    [schema_1] = [m for m in first.of_type("SCHEMA") if m["stream"] == "accounts"]
    [schema_2] = [m for m in second.of_type("SCHEMA") if m["stream"] == "accounts"]
    assert "Health_Score__c" not in schema_1["schema"]["properties"]
    assert schema_2["schema"]["properties"]["Health_Score__c"] == {"type": ["number", "null"]}

    history = _query(
        work,
        "select run_id, properties from bronze._schema_history "
        "where source = 'salesforce' and stream = 'accounts' order by first_seen_at",
    )
    assert [run for run, _ in history] == ["run-1", "run-2"]
    assert "Health_Score__c" not in json.loads(history[0][1])
    assert "Health_Score__c" in json.loads(history[1][1])
    [(scored,)] = _query(
        work,
        "select count(*) from bronze.salesforce__accounts "
        "where _run_id = 'run-2' and _record->>'$.Health_Score__c' is not null",
    )
    assert scored > 0


def test_deleted_account_is_flagged_in_bronze_and_in_silver(scenario: tuple[t.Any, ...]) -> None:
    work, account_id, _, _, _ = scenario
    rows = _query(
        work,
        f"select _run_id, _is_deleted from bronze.salesforce__accounts where _record_key = '{account_id}' "
        "order by _run_id",
    )
    assert rows == [("run-1", False), ("run-2", True)]

    duckdb_env = {"ACME_DUCKDB_PATH": str(work / "warehouse.duckdb")}
    # the Salesforce sources and staging models with their tests (downstream marts need other sources)
    selection = ["--select", "source:salesforce", "path:models/staging/salesforce", "--indirect-selection", "cautious"]
    results = _dbt(work / "duckdb", selection, duckdb_env)
    assert sum(r["unique_id"].startswith("test.") for r in results) > 30

    [(is_deleted, signal, deleted_at, modstamp, is_deleted_flag)] = _query(
        work,
        "select is_deleted, deletion_signal, deleted_at, system_modstamp_at, "
        f"_record_key is not null from silver.stg_salesforce__accounts where account_id = '{account_id}'",
    )
    assert (is_deleted, signal, is_deleted_flag) == (True, "source", True)
    assert deleted_at == modstamp
    [(live, deleted)] = _query(
        work,
        "select count(*) filter (not is_deleted), count(*) filter (is_deleted) from silver.stg_salesforce__accounts",
    )
    assert live > 0
    assert deleted >= 1


_COLUMNS = (
    "_record, _record_key, _source, _stream, _run_id, _sync_mode, _is_deleted, _extracted_at, "
    "_file_name, _file_row, _loaded_at"
)
_SNOWFLAKE_BRONZE = (
    "create table bronze.salesforce__accounts (_record variant, _record_key varchar, _source varchar, "
    "_stream varchar, _run_id varchar, _sync_mode varchar, _is_deleted boolean, _extracted_at timestamp_ntz, "
    "_file_name varchar, _file_row number(38, 0), _loaded_at timestamp_ntz)"
)
_SNOWFLAKE_AUDIT = (
    "create table bronze._load_audit (run_id varchar, source varchar, stream varchar, sync_mode varchar, "
    "table_version bigint, records bigint, files bigint, rows_loaded bigint, started_at timestamp_ntz, "
    "finished_at timestamp_ntz, status varchar)"
)
_SNOWFLAKE_SCOPES = (
    "create table bronze._snapshot_scopes (run_id varchar, source varchar, stream varchar, table_version bigint, "
    "scope_property varchar, range_from bigint, range_to bigint)"
)
_COMPARED = (
    "select account_id, is_deleted, deletion_signal, {ts}(created_at), {ts}(system_modstamp_at), "
    "{ts}(deleted_at), health_score, number_of_employees from silver.stg_salesforce__accounts order by account_id"
)


def _plain(value: t.Any) -> t.Any:
    return value.isoformat(sep=" ") if hasattr(value, "isoformat") else value


@pytest.mark.snowflake
def test_accounts_staging_builds_the_same_on_fakesnow(
    scenario: tuple[t.Any, ...], fakesnow_server: dict[str, t.Any]
) -> None:
    """Snowflake parity: bronze as target-bronze writes it there (VARIANT via PARSE_JSON), same silver rows."""
    import contextlib

    import snowflake.connector

    work = scenario[0]
    # the session's one fakesnow server (root conftest.py)
    with contextlib.nullcontext(fakesnow_server) as server:
        conn = snowflake.connector.connect(**server, database="ACME_SF", schema="BRONZE")
        try:
            cur = conn.cursor()
            cur.execute("create schema if not exists bronze")
            cur.execute(_SNOWFLAKE_BRONZE)
            cur.execute(_SNOWFLAKE_AUDIT)
            cur.execute(_SNOWFLAKE_SCOPES)
            rows = _query(work, f"select {_COLUMNS} from bronze.salesforce__accounts")
            for start in range(0, len(rows), 200):
                chunk = rows[start : start + 200]
                select = " union all ".join(
                    "select parse_json(%s), %s, %s, %s, %s, %s, %s, cast(%s as timestamp_ntz), %s, %s, "
                    "cast(%s as timestamp_ntz)"
                    for _ in chunk
                )
                cur.execute(f"insert into bronze.salesforce__accounts {select}", [_plain(v) for r in chunk for v in r])
            for audit in _query(work, "select * from bronze._load_audit"):
                marks = ", ".join(["%s"] * 8 + ["cast(%s as timestamp_ntz)"] * 2 + ["%s"])
                cur.execute(f"insert into bronze._load_audit values ({marks})", [_plain(v) for v in audit])
        finally:
            conn.close()
        fakesnow_env = {"FAKESNOW_HOST": str(server["host"]), "FAKESNOW_PORT": str(server["port"])}
        _dbt(
            work / "fakesnow",
            ["--target", "fakesnow", "--select", "stg_salesforce__accounts", "--indirect-selection", "cautious"],
            {**fakesnow_env, "FAKESNOW_DATABASE": "ACME_SF"},
        )
        conn = snowflake.connector.connect(**server, database="ACME_SF", schema="SILVER")
        try:
            cur = conn.cursor()
            cur.execute(_COMPARED.format(ts="to_varchar"))
            snowflake_rows = [tuple(r) for r in cur.fetchall()]
        finally:
            conn.close()
    duckdb_rows = [
        tuple(None if v is None else str(v) if i in (3, 4, 5) else v for i, v in enumerate(r))
        for r in _query(work, _COMPARED.format(ts=""))
    ]
    assert len(snowflake_rows) == len(duckdb_rows) > 50
    # fakesnow returns a NULL TIMESTAMP_NTZ as 1970-01-01 over the wire (DECISIONLOG): compare the rest
    for got, expected in zip(snowflake_rows, duckdb_rows, strict=True):
        assert got[:5] + got[6:] == expected[:5] + expected[6:]
        assert got[5] == expected[5] or expected[5] is None
    assert any(r[6] is not None for r in duckdb_rows)  # health scores made it through on both
