"""In-process dbt leaves the DuckDB warehouse free for other processes once an invocation returns."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from acme_orchestration.dbt import DbtSession

_OPEN_WAREHOUSE = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"


def _other_process_can_open(warehouse: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _OPEN_WAREHOUSE, str(warehouse)], capture_output=True, text=True, check=False
    )


def test_the_warehouse_is_released_after_each_invocation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_DATA_DIR", str(tmp_path))
    for name in ("ACME_DUCKDB_PATH", "ACME_RUN_ID"):  # the session sets them; restored afterwards
        monkeypatch.setenv(name, "")
    session = DbtSession("duckdb", None, "test-release")
    for _ in range(2):  # and the next invocation opens the warehouse again
        result = session.invoke("show", "--inline", "select 42 as answer")
        assert result.success, result.failures
        probe = _other_process_can_open(tmp_path / "warehouse.duckdb")
        assert probe.returncode == 0, probe.stderr[-500:]
