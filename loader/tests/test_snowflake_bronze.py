"""The Snowflake path of bronze, run against a fakesnow server: same rows, same idempotency."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import snowflake.connector
from target_bronze.loader import BronzeLoader
from target_bronze.settings import open_stage, open_warehouse


def _config(server: dict[str, Any], stage_dir: Path) -> dict[str, Any]:
    return {
        "warehouse": "snowflake",
        "stage_url": str(stage_dir),
        "snowflake_account": server["account"],
        "snowflake_user": server["user"],
        "snowflake_password": server["password"],
        "snowflake_database": "ACME_LOADER_TEST",
        "snowflake_host": server["host"],
        "snowflake_port": server["port"],
        "snowflake_protocol": server["protocol"],
    }


def test_copy_into_lands_rows_once(fakesnow_server: dict[str, Any], tmp_path: Path) -> None:
    config = _config(fakesnow_server, tmp_path / "stage")
    stage = open_stage(config)
    warehouse = open_warehouse(config, stage)
    loader = BronzeLoader(warehouse, stage, "stripe", "run-sf")
    records = [{"id": f"cus_{i}", "nested": {"a": [i, i + 1]}, "deleted": i == 2} for i in range(3)]
    assert loader.write_and_load("customers", ["id"], records, "full") == 3
    # the stage file is already in Snowflake's load history: loading it again lands nothing
    assert loader.sweep("customers") == 0
    warehouse.close()

    conn = snowflake.connector.connect(
        **{k: v for k, v in fakesnow_server.items() if k != "session_parameters"}, database="ACME_LOADER_TEST"
    )
    cur = conn.cursor()
    cur.execute(
        "select _record_key, _record:nested:a[1]::int, _is_deleted, _sync_mode, _run_id, _file_row "
        "from bronze.stripe__customers order by _record_key"
    )
    assert cur.fetchall() == [
        ("cus_0", 1, False, "full", "run-sf", 1),
        ("cus_1", 2, False, "full", "run-sf", 2),
        ("cus_2", 3, True, "full", "run-sf", 3),
    ]
    cur.execute("select count(*) from bronze._load_history")
    assert cur.fetchone() == (1,)
    conn.close()
