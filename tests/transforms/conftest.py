"""Shared helpers for the transforms (dbt) tests: real dbt runs in a subprocess per invocation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIR = REPO_ROOT / "transforms"
DBT = str(Path(sys.executable).with_name("dbt"))


@dataclass
class DbtResult:
    returncode: int
    stdout: str
    run_results: dict[str, Any] | None

    def statuses(self) -> dict[str, str]:
        if not self.run_results:
            return {}
        return {r["unique_id"]: r["status"] for r in self.run_results["results"]}

    def failures(self) -> dict[str, str]:
        return {k: v for k, v in self.statuses().items() if v not in ("success", "pass")}


def run_dbt(
    args: Sequence[str],
    work_dir: Path,
    env: dict[str, str] | None = None,
    vars_: dict[str, Any] | None = None,
    timeout: int = 900,
) -> DbtResult:
    """Run `dbt <args>` against transforms/ with target/logs in `work_dir` (parallel-safe)."""
    target_path = work_dir / "target"
    cmd = [
        DBT,
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(target_path),
        "--log-path",
        str(work_dir / "logs"),
    ]
    if vars_:
        cmd += ["--vars", json.dumps(vars_)]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "ACME_", "FAKESNOW_", "SNOWFLAKE_"))}
    full_env.update({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_THREADS": "2"})
    full_env.update(env or {})
    proc = subprocess.run(
        cmd,
        cwd=str(work_dir),
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    results_file = target_path / "run_results.json"
    run_results = json.loads(results_file.read_text()) if results_file.exists() else None
    if results_file.exists():
        results_file.unlink()  # the next invocation must not read a stale file
    return DbtResult(proc.returncode, proc.stdout + proc.stderr, run_results)


def assert_ok(result: DbtResult) -> None:
    assert result.returncode == 0, f"dbt failed: {result.failures()}\n{result.stdout[-6000:]}"


# `fakesnow_server` (one fakesnow server per test session) lives in the repo's root conftest.py.
