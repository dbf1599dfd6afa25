"""Snowflake parity of the Zendesk staging models: tap → target-bronze (Snowflake path, COPY INTO a
fakesnow server) → ``dbt build --target fakesnow`` (models and tests). The incremental path is
exercised on DuckDB (test_bronze_and_staging.py); on the fakesnow target it is the same
delete+insert macro path tests/transforms/test_fakesnow_build.py covers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
TRANSFORMS = REPO / "transforms"
DATABASE = "ACME_ZENDESK"
DELETED_TICKET = 58

pytestmark = pytest.mark.snowflake


# `fakesnow_server`: the session's one fakesnow server, from the repo's root conftest.py.


def _load(server: dict[str, t.Any], tap_run: t.Any, tmp_path: Path, run_id: str) -> None:
    """Land a run's records the way target-bronze does on Snowflake (stage file, COPY INTO)."""
    from target_bronze.loader import BronzeLoader
    from target_bronze.settings import open_stage, open_warehouse

    config = {
        "warehouse": "snowflake",
        "stage_url": str(tmp_path / "stage"),
        "snowflake_account": server["account"],
        "snowflake_user": server["user"],
        "snowflake_password": server["password"],
        "snowflake_database": DATABASE,
        "snowflake_host": server["host"],
        "snowflake_port": server["port"],
        "snowflake_protocol": server["protocol"],
    }
    stage = open_stage(config)
    warehouse = open_warehouse(config, stage)
    try:
        loader = BronzeLoader(warehouse, stage, "zendesk", run_id)
        for stream in ("organizations", "users", "tickets", "ticket_comments"):
            records = [
                {**m["record"], "_sdc_extracted_at": m["time_extracted"]}
                for m in tap_run.messages
                if m["type"] == "RECORD" and m["stream"] == stream
            ]
            loader.write_and_load(stream, ["id"], records, "delta")
    finally:
        warehouse.close()


def _dbt(server: dict[str, t.Any], tmp_path: Path, command: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ACME_", "FAKESNOW_", "SNOWFLAKE_"))}
    env.update(
        {
            "FAKESNOW_HOST": str(server["host"]),
            "FAKESNOW_PORT": str(server["port"]),
            "FAKESNOW_DATABASE": DATABASE,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
    )
    dbt = str(Path(sys.executable).with_name("dbt"))
    return subprocess.run(
        [
            dbt,
            command,
            "--target",
            "fakesnow",
            "--select",
            "path:models/staging/zendesk",
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


def test_staging_builds_on_fakesnow(fakesnow_server: dict[str, t.Any], deletion_runs: t.Any, tmp_path: Path) -> None:
    import snowflake.connector

    first, second = deletion_runs.first, deletion_runs.second
    _load(fakesnow_server, first, tmp_path, "run-1")
    _load(fakesnow_server, second, tmp_path, "run-2")
    build = _dbt(fakesnow_server, tmp_path, "build")
    assert build.returncode == 0, build.stdout[-6000:]

    conn = snowflake.connector.connect(**fakesnow_server, database=DATABASE, schema="SILVER")
    try:
        cur = conn.cursor()
        cur.execute(
            "select is_deleted, deletion_signal, status, to_varchar(deleted_at) "
            f"from silver.stg_zendesk__tickets where ticket_id = {DELETED_TICKET}"
        )
        assert cur.fetchall() == [(True, "source", "deleted", "2024-08-05 09:16:34")]
        cur.execute("select count(*), count(distinct ticket_id) from silver.stg_zendesk__tickets")
        total, distinct = cur.fetchone()  # type: ignore[misc]
        assert total == distinct == len(first.by_key("tickets") | second.by_key("tickets"))
        cur.execute("select count(*) from silver.stg_zendesk__ticket_comments")
        assert cur.fetchone() == (len(first.by_key("ticket_comments") | second.by_key("ticket_comments")),)
    finally:
        conn.close()
