"""Every pipeline run's facts, recorded as data in the warehouse (`ops.pipeline_runs`)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb


def new_run_id(job: str) -> str:
    """A sortable, unique run id: ``<job>-<UTC timestamp>-<random>``."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{job}-{stamp}-{uuid.uuid4().hex[:6]}"


@dataclass
class RunRecord:
    """One run of a job: what ran, how it ended, and its steps."""

    run_id: str
    job: str
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC).replace(tzinfo=None))
    finished_at: dt.datetime | None = None
    status: str = "running"
    steps: list[dict[str, Any]] = field(default_factory=list)

    def step(self, name: str, ok: bool, seconds: float, **facts: Any) -> None:
        self.steps.append({"step": name, "ok": ok, "seconds": round(seconds, 2), **facts})

    def finish(self, status: str) -> None:
        self.status = status
        self.finished_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)


def record(warehouse: Path, run: RunRecord) -> None:
    """Append the run to ``ops.pipeline_runs`` (DuckDB on the embedded default)."""
    with duckdb.connect(str(warehouse)) as conn:
        conn.execute("create schema if not exists ops")
        conn.execute(
            "create table if not exists ops.pipeline_runs (run_id VARCHAR, job VARCHAR, started_at TIMESTAMP, "
            "finished_at TIMESTAMP, status VARCHAR, steps JSON)"
        )
        values = asdict(run)
        conn.execute(
            "insert into ops.pipeline_runs values (?, ?, ?, ?, ?, ?)",
            [
                values["run_id"],
                values["job"],
                values["started_at"],
                values["finished_at"],
                values["status"],
                json.dumps(values["steps"]),
            ],
        )
