"""End to end on a temporary DuckDB: tap → target-bronze → dbt staging (stg_zendesk__*).

Two delta runs: the first a second before a ticket was deleted (then ``dbt run``), the second
(from the first's state) at the world's anchor (then ``dbt build``: the incremental path of
stg_zendesk__tickets and stg_zendesk__ticket_comments, and every test). The deleted ticket must be
flagged in bronze (`_is_deleted`) and in stg_zendesk__tickets (is_deleted, status `deleted`,
deleted_at = the deletion time).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import typing as t
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[3]
TRANSFORMS = REPO / "transforms"
DELETED_TICKET = 58
DELETED_TICKET_AT = datetime(2024, 8, 5, 9, 16, 34)  # 1_722_849_394


def _load(tap_run: t.Any, tmp_path: Path, run_id: str) -> None:
    """Feed the tap's messages to target-bronze (in-process: the target as `meltano run` runs it)."""
    from target_bronze.target import TargetBronze

    config = {
        "warehouse": "duckdb",
        "duckdb_path": str(tmp_path / "warehouse.duckdb"),
        "stage_url": str(tmp_path / "stage"),
        "source": "zendesk",
        "run_id": run_id,
    }
    target = TargetBronze(config=config, parse_env_config=False)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        target.listen(io.StringIO("\n".join(json.dumps(m) for m in tap_run.messages) + "\n"))
    states = [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    assert states, "target-bronze emits the tap's STATE once the records are in bronze"


def _dbt(tmp_path: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ACME_", "FAKESNOW_", "SNOWFLAKE_"))}
    env.update(
        {
            "ACME_DUCKDB_PATH": str(tmp_path / "warehouse.duckdb"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DBT_THREADS": "2",
        }
    )
    dbt = str(Path(sys.executable).with_name("dbt"))
    args = [command, "--select", "source:zendesk", "path:models/staging/zendesk"]
    return subprocess.run(
        [
            dbt,
            *args,
            "--project-dir",
            str(TRANSFORMS),
            "--profiles-dir",
            str(TRANSFORMS),
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=str(tmp_path),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.e2e
def test_a_deleted_ticket_is_flagged_in_bronze_and_in_staging(
    zendesk_world: t.Any, deletion_runs: t.Any, tmp_path: Path
) -> None:
    anchor = int(zendesk_world.anchor.timestamp())
    first, second = deletion_runs.first, deletion_runs.second
    assert {r["id"]: r["status"] for r in first.records("tickets")}[DELETED_TICKET] != "deleted"
    _load(first, tmp_path, "run-1")
    run = _dbt(tmp_path, "run")
    assert run.returncode == 0, run.stdout[-6000:]
    _load(second, tmp_path, "run-2")
    build = _dbt(tmp_path, "build")  # the incremental path of tickets and comments, then every test
    assert build.returncode == 0, build.stdout[-6000:]

    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as db:
        bronze = db.execute(
            "select _run_id, _is_deleted, json_extract_string(_record, '$.status') from bronze.zendesk__tickets "
            "where _record_key = ? order by _extracted_at",
            [str(DELETED_TICKET)],
        ).fetchall()
        assert bronze[0][:2] == ("run-1", False)
        assert bronze[-1] == ("run-2", True, "deleted")

        ticket = db.execute(
            "select is_deleted, deletion_signal, deleted_at, status, created_at, typeof(created_at) "
            "from silver.stg_zendesk__tickets where ticket_id = ?",
            [DELETED_TICKET],
        ).fetchone()
        assert ticket is not None
        assert ticket[:4] == (True, "source", DELETED_TICKET_AT, "deleted")
        assert ticket[5] == "TIMESTAMP"

        counts = dict(
            db.execute(
                "select 'tickets', count(*) from silver.stg_zendesk__tickets union all "
                "select 'deleted_tickets', count(*) from silver.stg_zendesk__tickets where is_deleted union all "
                "select 'users', count(*) from silver.stg_zendesk__users union all "
                "select 'organizations', count(*) from silver.stg_zendesk__organizations union all "
                "select 'deleted_organizations', count(*) from silver.stg_zendesk__organizations where is_deleted "
                "union all select 'comments', count(*) from silver.stg_zendesk__ticket_comments"
            ).fetchall()
        )
    latest: dict[tuple[str, str], t.Any] = {}
    for version in zendesk_world.zendesk.versions:
        if version.valid_from <= anchor - 60:
            latest[(version.resource, version.id)] = version.body
    expected = {
        "tickets": sum(1 for r, _ in latest if r == "ticket"),
        "deleted_tickets": 1,
        "users": sum(1 for r, _ in latest if r == "user"),
        "organizations": sum(1 for r, _ in latest if r == "organization"),
        "deleted_organizations": 1,
    }
    assert {k: v for k, v in counts.items() if k != "comments"} == expected
    assert counts["comments"] == len(first.by_key("ticket_comments") | second.by_key("ticket_comments"))
