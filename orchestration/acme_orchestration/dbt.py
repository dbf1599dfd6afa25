"""Run the shared dbt project in-process (dbtRunner)."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from dataclasses import dataclass
from typing import Any

from acme_orchestration import log
from acme_orchestration.paths import transforms_dir, warehouse_path


@dataclass(frozen=True)
class DbtResult:
    """Outcome of one dbt invocation."""

    command: str
    success: bool
    seconds: float
    failures: tuple[str, ...]


def dbt_vars(as_of: dt.datetime | None) -> dict[str, Any]:
    """Project vars: `as_of` pins "now" for MRR on the embedded default (the sandbox clock)."""
    return {"as_of": as_of.strftime("%Y-%m-%d %H:%M:%S")} if as_of else {}


def invoke(
    command: str,
    *args: str,
    target: str = "duckdb",
    as_of: dt.datetime | None = None,
    run_id: str | None = None,
) -> DbtResult:
    """`dbt <command>` on the shared project, against ``target``."""
    from dbt.cli.main import dbtRunner

    os.environ.setdefault("ACME_DUCKDB_PATH", str(warehouse_path()))
    if run_id:
        os.environ["ACME_RUN_ID"] = run_id
    project = str(transforms_dir())
    argv = [command, "--project-dir", project, "--profiles-dir", project, "--target", target, *args]
    variables = dbt_vars(as_of)
    if variables:
        argv += ["--vars", json.dumps(variables)]
    logger = log.get("dbt").bind(command=command, target=target, run_id=run_id)
    logger.info("dbt started", args=list(args))
    started = time.monotonic()
    result = dbtRunner().invoke(argv)
    failures: list[str] = []
    for node in getattr(result.result, "results", None) or []:
        status = str(getattr(node, "status", "")).lower()
        if status in {"error", "fail", "runtime error"}:
            failures.append(f"{node.node.unique_id}: {status}")
    outcome = DbtResult(command, bool(result.success), time.monotonic() - started, tuple(failures))
    (logger.info if outcome.success else logger.error)(
        "dbt finished", success=outcome.success, seconds=round(outcome.seconds, 1), failures=list(failures)
    )
    return outcome
