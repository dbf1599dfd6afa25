"""target-bronze end to end: Singer messages in over stdin, exact rows out in DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from target_bronze import load_records
from target_bronze.loader import BronzeLoader
from target_bronze.settings import open_stage, open_warehouse

SCHEMA = {
    "type": "SCHEMA",
    "stream": "customers",
    "key_properties": ["id"],
    "schema": {"type": "object", "properties": {"id": {"type": "string"}, "email": {"type": "string"}}},
}


def _record(i: int, **extra: object) -> dict:
    return {
        "type": "RECORD",
        "stream": "customers",
        "record": {"id": f"cus_{i:06d}", "email": f"u{i}@example.com", **extra},
        "time_extracted": "2026-11-01T10:00:00+00:00",
    }


def _run_target(tmp_path: Path, messages: list[dict], **config: object) -> subprocess.CompletedProcess:
    settings = {
        "warehouse": "duckdb",
        "duckdb_path": str(tmp_path / "wh.duckdb"),
        "stage_url": str(tmp_path / "stage"),
        "source": "stripe",
        "run_id": "run-test",
        **config,
    }
    config_file = tmp_path / "config.json"
    config_file.write_text(json.dumps(settings))
    stdin = "\n".join(json.dumps(m) for m in messages) + "\n"
    return subprocess.run(
        [sys.executable, "-m", "target_bronze.target", "--config", str(config_file)],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
    )


def _rows(tmp_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.parametrize("count", [1, 2, 50_000])
def test_every_record_lands_exactly_once(tmp_path: Path, count: int) -> None:
    messages = [
        SCHEMA,
        *(_record(i) for i in range(count)),
        {"type": "STATE", "value": {"bookmarks": {"customers": {"n": count}}}},
    ]
    result = _run_target(tmp_path, messages, batch_size_rows=20_000)
    assert result.returncode == 0, result.stderr
    [(rows, keys)] = _rows(tmp_path, "select count(*), count(distinct _record_key) from bronze.stripe__customers")
    assert (rows, keys) == (count, count)
    # the state comes out only after the data is in bronze
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"bookmarks": {"customers": {"n": count}}}


def test_bronze_row_carries_record_and_metadata(tmp_path: Path) -> None:
    deleted = {**_record(2), "record": {"id": "cus_000002", "deleted": True, "_sdc_deleted_at": "2026-11-01T09:00:00Z"}}
    result = _run_target(tmp_path, [SCHEMA, _record(1, nested={"a": [1, 2]}), deleted])
    assert result.returncode == 0, result.stderr
    rows = _rows(
        tmp_path,
        "select _record_key, _record->>'$.nested.a[1]', _source, _stream, _run_id, _sync_mode, "
        "_is_deleted, _extracted_at::varchar, _file_row, _loaded_at is not null "
        "from bronze.stripe__customers order by _record_key",
    )
    assert rows == [
        ("cus_000001", "2", "stripe", "customers", "run-test", "delta", False, "2026-11-01 10:00:00", 1, True),
        ("cus_000002", None, "stripe", "customers", "run-test", "delta", True, "2026-11-01 10:00:00", 2, True),
    ]
    [(audit,)] = _rows(tmp_path, "select records from bronze._load_audit")
    assert audit == 2


def test_activate_version_marks_a_full_snapshot(tmp_path: Path) -> None:
    activate = {"type": "ACTIVATE_VERSION", "stream": "customers", "version": 1700000000}
    result = _run_target(tmp_path, [SCHEMA, activate, _record(1), activate])
    assert result.returncode == 0, result.stderr
    assert _rows(tmp_path, "select distinct _sync_mode from bronze.stripe__customers") == [("full",)]
    assert _rows(tmp_path, "select sync_mode, table_version, status from bronze._load_audit") == [
        ("full", 1700000000, "succeeded")
    ]


def test_a_scoped_snapshot_records_its_ranges_with_its_audit_row(tmp_path: Path) -> None:
    """Stripe's partitioned reconciliation: ACTIVATE_VERSION carries the `created` ranges it read."""
    scope = {"property": "created", "ranges": [[1700000000, None], [1600000000, 1600604800]]}
    activate = {"type": "ACTIVATE_VERSION", "stream": "customers", "version": 1700000000, "scope": scope}
    result = _run_target(tmp_path, [SCHEMA, activate, _record(1), _record(2), activate])
    assert result.returncode == 0, result.stderr
    assert _rows(tmp_path, "select sync_mode, status, records from bronze._load_audit") == [("full", "succeeded", 2)]
    assert _rows(
        tmp_path,
        "select run_id, source, stream, table_version, scope_property, range_from, range_to "
        "from bronze._snapshot_scopes order by range_from",
    ) == [
        ("run-test", "stripe", "customers", 1700000000, "created", 1600000000, 1600604800),
        ("run-test", "stripe", "customers", 1700000000, "created", 1700000000, None),
    ]


def test_a_malformed_scope_is_refused_naming_the_stream(tmp_path: Path) -> None:
    activate = {"type": "ACTIVATE_VERSION", "stream": "customers", "version": 1, "scope": {"ranges": [[1, 2]]}}
    result = _run_target(tmp_path, [SCHEMA, activate, _record(1), activate])
    assert result.returncode != 0
    assert "'customers'" in result.stderr
    assert "malformed scope" in result.stderr
    assert _rows(tmp_path, "select count(*) from bronze._snapshot_scopes") == [(0,)]


def test_a_full_snapshot_cut_short_is_recorded_incomplete(tmp_path: Path) -> None:
    """The tap died before its closing ACTIVATE_VERSION: the rows land, the snapshot does not count."""
    activate = {"type": "ACTIVATE_VERSION", "stream": "customers", "version": 1700000000}
    result = _run_target(tmp_path, [SCHEMA, activate, _record(1)])
    assert result.returncode == 0, result.stderr
    assert _rows(tmp_path, "select count(*) from bronze.stripe__customers") == [(1,)]
    assert _rows(tmp_path, "select sync_mode, status from bronze._load_audit") == [("full", "incomplete")]


def test_reloading_a_stage_file_adds_nothing_and_leftovers_are_recovered(tmp_path: Path) -> None:
    config = {"warehouse": "duckdb", "duckdb_path": str(tmp_path / "wh.duckdb"), "stage_url": str(tmp_path / "stage")}
    records = [{"id": f"cus_{i}"} for i in range(5)]
    assert load_records(config, "stripe", "customers", ["id"], records, run_id="r1") == 5
    # a crashed run left a staged file that never reached the warehouse
    stage = open_stage(config)
    from target_bronze.rows import bronze_lines

    name = "stripe/customers/r-crashed/customers-000001-deadbeef.jsonl.gz"
    stage.write(
        name,
        bronze_lines(
            [{"id": "cus_x"}],
            source="stripe",
            stream="customers",
            key_properties=["id"],
            run_id="r-crashed",
            sync_mode="delta",
            file_name=name,
        ),
    )
    warehouse = open_warehouse(config, stage)
    loader = BronzeLoader(warehouse, stage, "stripe", "r2")
    assert loader.sweep("customers") == 1
    assert loader.sweep("customers") == 0  # every file loads once, however often we sweep
    warehouse.close()
    assert _rows(tmp_path, "select count(*) from bronze.stripe__customers") == [(6,)]


def test_bad_setting_is_named(tmp_path: Path) -> None:
    result = _run_target(tmp_path, [SCHEMA, _record(1)], warehouse="oracle")
    assert result.returncode != 0
    assert "target-bronze" in result.stderr
    assert "oracle" in result.stderr
    assert "warehouse" in result.stderr
