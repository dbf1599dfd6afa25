"""Run the shared dbt project in-process (dbtRunner).

Artifacts (``manifest.json``, ``run_results.json``, ``sources.json``, partial-parse cache) and logs go
to ``<data dir>/dbt/`` rather than ``transforms/target``, so runs in different data folders never
overwrite each other's artifacts. A :class:`DbtSession` parses the project once and hands the parsed
manifest to every later command of the same run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acme_orchestration import log
from acme_orchestration.paths import data_dir, transforms_dir, warehouse_path

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


@dataclass(frozen=True)
class NodeResult:
    """One node's outcome in a dbt invocation (model, test, source freshness)."""

    unique_id: str
    status: str
    message: str = ""


@dataclass(frozen=True)
class DbtResult:
    """Outcome of one dbt invocation."""

    command: str
    success: bool
    seconds: float
    failures: tuple[str, ...]
    nodes: tuple[NodeResult, ...] = field(default=())

    def status_of(self, unique_id: str) -> str | None:
        for node in self.nodes:
            if node.unique_id == unique_id:
                return node.status
        return None


def dbt_vars(as_of: dt.datetime | None) -> dict[str, Any]:
    """Project vars: `as_of` pins "now" for MRR on the embedded default (the sandbox clock)."""
    return {"as_of": as_of.strftime("%Y-%m-%d %H:%M:%S")} if as_of else {}


def artifacts_dir() -> Path:
    """Where dbt writes its artifacts for this data folder."""
    return data_dir() / "dbt" / "target"


def _node_results(result: Any) -> tuple[NodeResult, ...]:
    nodes = []
    for item in getattr(result, "results", None) or []:
        node = getattr(item, "node", None)
        unique_id = str(getattr(node, "unique_id", "") or getattr(item, "unique_id", ""))
        status = str(getattr(item, "status", "")).lower()
        message = str(getattr(item, "message", "") or "")[:300]
        nodes.append(NodeResult(unique_id, status, message))
    return tuple(nodes)


class DbtSession:
    """dbt commands of one run against one target, sharing one parsed manifest."""

    def __init__(self, target: str = "duckdb", as_of: dt.datetime | None = None, run_id: str | None = None) -> None:
        self.target = target
        self.as_of = as_of
        self.run_id = run_id
        self._manifest: Any = None
        # Relative to the data folder (dbt runs there): the profile, and so dbt's partial-parse
        # cache, is then the same for every data folder, and a copied folder parses incrementally.
        os.environ["ACME_DUCKDB_PATH"] = warehouse_path().name
        # pipeline runs send no usage statistics (as for Meltano); the network may not even allow it
        os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
        if run_id:
            os.environ["ACME_RUN_ID"] = run_id

    def _argv(self, command: list[str], args: tuple[str, ...]) -> list[str]:
        project = str(transforms_dir())
        argv = [
            *command,
            "--project-dir",
            project,
            "--profiles-dir",
            project,
            "--target",
            self.target,
            "--target-path",
            str(artifacts_dir()),
            "--log-path",
            str(data_dir() / "dbt" / "logs"),
            *args,
        ]
        variables = dbt_vars(self.as_of)
        if variables:
            argv += ["--vars", json.dumps(variables)]
        return argv

    def manifest(self) -> dict[str, Any]:
        """``manifest.json`` of the project as parsed for this run (parses on first use)."""
        if self._manifest is None:
            outcome = self.invoke("parse")
            if not outcome.success:
                msg = "dbt parse failed: the project does not compile (see the log)"
                raise RuntimeError(msg)
        loaded: dict[str, Any] = json.loads((artifacts_dir() / "manifest.json").read_text())
        return loaded

    def invoke(self, command: str, *args: str) -> DbtResult:
        """`dbt <command> <args>` (``command`` may hold a sub-command: ``"source freshness"``)."""
        from dbt.cli.main import dbtRunner

        logger = log.get("dbt").bind(command=command, target=self.target, run_id=self.run_id)
        logger.info("dbt started", args=list(args))
        started = time.monotonic()
        runner = dbtRunner(manifest=self._manifest) if self._manifest is not None else dbtRunner()
        with contextlib.chdir(data_dir()):
            try:
                result = runner.invoke(self._argv(command.split(), args))
            finally:
                if self.target == "duckdb":
                    release_duckdb()
        if command == "parse" and result.success:
            self._manifest = result.result
        nodes = _node_results(result.result)
        failures = tuple(f"{n.unique_id}: {n.status}" for n in nodes if n.status in FAILED_STATUSES)
        outcome = DbtResult(command, bool(result.success), time.monotonic() - started, failures, nodes)
        if result.exception is not None:
            logger.error("dbt raised", error=str(result.exception)[:500])
        (logger.info if outcome.success else logger.error)(
            "dbt finished", success=outcome.success, seconds=round(outcome.seconds, 1), failures=list(failures)
        )
        return outcome


def release_duckdb() -> None:
    """Close the DuckDB database dbt-duckdb keeps open in this process after an invocation.

    dbt-duckdb holds one database instance per process (``DuckDBConnectionManager._ENV``) and, run
    in-process, still holds it when the invocation has returned: the warehouse file stays locked
    until the process exits. Any other process that opens it then fails ("Conflicting lock is
    held"), e.g. the next run of a source once this run has released the warehouse lock but is
    still recording its run. Closed after every invocation, inside the lock; the next invocation
    opens a new instance.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
    if environment is not None:
        environment.close()


def invoke(
    command: str,
    *args: str,
    target: str = "duckdb",
    as_of: dt.datetime | None = None,
    run_id: str | None = None,
) -> DbtResult:
    """`dbt <command>` on the shared project, against ``target`` (one-off, parses the project)."""
    return DbtSession(target, as_of, run_id).invoke(command, *args)
