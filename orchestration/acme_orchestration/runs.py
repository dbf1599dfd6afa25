"""Every pipeline run's facts, recorded as data in the warehouse (`ops.pipeline_runs`)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

from acme_orchestration import ops_store

PIPELINE_RUNS_COLUMNS = (
    "run_id VARCHAR, job VARCHAR, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, steps VARCHAR"
)


def utc_now() -> dt.datetime:
    """Current UTC time, naive (the warehouse stores UTC as naive timestamps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_run_id(job: str) -> str:
    """A sortable, unique run id: ``<job>-<UTC timestamp>-<random>``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{job}-{stamp}-{uuid.uuid4().hex[:6]}"


@dataclass
class RunRecord:
    """One run of a job: what ran, how it ended, and its steps."""

    run_id: str
    job: str
    started_at: dt.datetime = field(default_factory=utc_now)
    finished_at: dt.datetime | None = None
    status: str = "running"
    steps: list[dict[str, Any]] = field(default_factory=list)

    def step(self, name: str, ok: bool, seconds: float, **facts: Any) -> None:
        self.steps.append({"step": name, "ok": ok, "seconds": round(seconds, 2), **facts})

    def finish(self, status: str) -> None:
        self.status = status
        self.finished_at = utc_now()


def record(run: RunRecord, target: str = "duckdb") -> None:
    """Write the run to ``ops.pipeline_runs`` (one row per run: replaces the row :func:`start` wrote)."""
    values = asdict(run)
    with ops_store.connect(target, {"pipeline_runs": PIPELINE_RUNS_COLUMNS}) as conn:
        conn.execute("delete from ops.pipeline_runs where run_id = ?", [run.run_id])
        conn.execute(
            "insert into ops.pipeline_runs values (?, ?, ?, ?, ?, ?)",
            [
                values["run_id"],
                values["job"],
                values["started_at"],
                values["finished_at"],
                values["status"],
                json.dumps(values["steps"], default=str),
            ],
        )


def start(run: RunRecord, jobs: list[str], target: str = "duckdb") -> int:
    """Record ``run`` as running; earlier runs of ``jobs`` still marked running become ``crashed``.

    Called under the source lock, so no other run of those jobs can be alive: a ``running`` row is
    what a killed run leaves behind. Returns how many such rows were found.
    """
    with ops_store.connect(target, {"pipeline_runs": PIPELINE_RUNS_COLUMNS}) as conn:
        marks = ", ".join("?" for _ in jobs)
        crashed = conn.execute(
            f"select count(*) from ops.pipeline_runs where status = 'running' and job in ({marks})", jobs
        )
        conn.execute(
            f"update ops.pipeline_runs set status = 'crashed' where status = 'running' and job in ({marks})", jobs
        )
        conn.execute(
            "insert into ops.pipeline_runs values (?, ?, ?, ?, ?, ?)",
            [run.run_id, run.job, run.started_at, None, run.status, "[]"],
        )
    return int(crashed[0][0]) if crashed else 0
