"""Source and mart statuses as data: ``ops.source_status`` and ``ops.mart_status``.

``ops.source_status``: one row per pipeline source, the outcome of its latest load (job or replay)
and of the checks dbt ran on its data after that load. A source is *healthy* when its latest load
succeeded and its checks did not fail.

``ops.mart_status``: one row per tracked model (``lineage.Lineage.tracked``): ``fresh`` when its
latest build used only healthy, fresh inputs and passed its tests; ``stale`` when a run that should
have refreshed it could not (an input's load or checks failed, or its inputs were not fresh): the
table then still holds its last good data, from ``last_good_run_id``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from acme_orchestration import ops_store
from acme_orchestration.runs import utc_now

SOURCE_STATUS_COLUMNS = (
    "source VARCHAR, load_status VARCHAR, load_reason VARCHAR, checks_status VARCHAR, checks_reason VARCHAR, "
    "last_run_id VARCHAR, last_attempt_at TIMESTAMP, last_success_run_id VARCHAR, last_success_at TIMESTAMP, "
    "updated_at TIMESTAMP"
)
MART_STATUS_COLUMNS = (
    "mart VARCHAR, layer VARCHAR, status VARCHAR, reason VARCHAR, inputs VARCHAR, last_good_run_id VARCHAR, "
    "last_good_at TIMESTAMP, checked_at TIMESTAMP, checked_by_run_id VARCHAR"
)


@dataclass(frozen=True)
class SourceStatus:
    """A source's latest load and checks."""

    source: str
    load_status: str  # ok | failed
    load_reason: str
    checks_status: str  # ok | failed | unknown
    checks_reason: str
    last_run_id: str
    last_attempt_at: dt.datetime | None
    last_success_run_id: str | None
    last_success_at: dt.datetime | None

    @property
    def healthy(self) -> bool:
        return self.load_status == "ok" and self.checks_status != "failed"

    @property
    def reason(self) -> str:
        """Why the source is not healthy (empty when it is)."""
        if self.load_status != "ok":
            return f"{self.source}: load failed in run {self.last_run_id} ({self.load_reason})"
        if self.checks_status == "failed":
            return f"{self.source}: checks failed in run {self.last_run_id} ({self.checks_reason})"
        return ""


@dataclass(frozen=True)
class MartStatus:
    """A tracked model's status after a run that was responsible for it."""

    mart: str
    layer: str
    status: str  # fresh | stale
    reason: str
    inputs: tuple[str, ...]


def load_sources(target: str = "duckdb") -> dict[str, SourceStatus]:
    """Every recorded source status, by source."""
    with ops_store.connect(target, {"source_status": SOURCE_STATUS_COLUMNS}) as conn:
        rows = conn.execute(
            "select source, load_status, load_reason, checks_status, checks_reason, last_run_id, "
            "last_attempt_at, last_success_run_id, last_success_at from ops.source_status"
        )
    return {str(r[0]): SourceStatus(*r) for r in rows}


def record_load(source: str, ok: bool, reason: str, run_id: str, target: str = "duckdb") -> None:
    """A load of ``source`` finished; its checks are unknown until dbt has run on the new data."""
    now = utc_now()
    with ops_store.connect(target, {"source_status": SOURCE_STATUS_COLUMNS}) as conn:
        previous = conn.execute(
            "select last_success_run_id, last_success_at, checks_status, checks_reason "
            "from ops.source_status where source = ?",
            [source],
        )
        success_run, success_at, checks, checks_reason = previous[0] if previous else (None, None, "unknown", "")
        if ok:
            success_run, success_at, checks, checks_reason = run_id, now, "unknown", ""
        conn.execute("delete from ops.source_status where source = ?", [source])
        conn.execute(
            "insert into ops.source_status values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                source,
                "ok" if ok else "failed",
                reason[:500],
                checks,
                checks_reason,
                run_id,
                now,
                success_run,
                success_at,
                now,
            ],
        )


def record_checks(results: dict[str, str], run_id: str, target: str = "duckdb") -> None:
    """``{source: failure reason or ""}``: the outcome of dbt's checks on each source's new data."""
    if not results:
        return
    now = utc_now()
    with ops_store.connect(target, {"source_status": SOURCE_STATUS_COLUMNS}) as conn:
        for source, failure in sorted(results.items()):
            conn.execute(
                "update ops.source_status set checks_status = ?, checks_reason = ?, updated_at = ? where source = ?",
                ["failed" if failure else "ok", failure[:500], now, source],
            )


def record_marts(
    statuses: list[MartStatus], run_id: str, target: str = "duckdb", tracked: list[str] | None = None
) -> None:
    """Upsert the statuses of the tracked models a run was responsible for.

    ``tracked``: every model tracked now; rows of models no longer tracked (removed, renamed) go.
    """
    now = utc_now()
    with ops_store.connect(target, {"mart_status": MART_STATUS_COLUMNS}) as conn:
        if tracked:
            marks = ", ".join("?" for _ in tracked)
            conn.execute(f"delete from ops.mart_status where mart not in ({marks})", tracked)
        for status in statuses:
            previous = conn.execute(
                "select last_good_run_id, last_good_at from ops.mart_status where mart = ?", [status.mart]
            )
            good_run, good_at = previous[0] if previous else (None, None)
            if status.status == "fresh":
                good_run, good_at = run_id, now
            conn.execute("delete from ops.mart_status where mart = ?", [status.mart])
            conn.execute(
                "insert into ops.mart_status values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    status.mart,
                    status.layer,
                    status.status,
                    status.reason[:1000],
                    ",".join(status.inputs),
                    good_run,
                    good_at,
                    now,
                    run_id,
                ],
            )


def load_marts(target: str = "duckdb") -> list[dict[str, object]]:
    """Every row of ``ops.mart_status``, by layer and name."""
    with ops_store.connect(target, {"mart_status": MART_STATUS_COLUMNS}) as conn:
        rows = conn.execute(
            "select mart, layer, status, reason, inputs, last_good_run_id, last_good_at, checked_at, "
            "checked_by_run_id from ops.mart_status order by layer, mart"
        )
    names = (
        "mart",
        "layer",
        "status",
        "reason",
        "inputs",
        "last_good_run_id",
        "last_good_at",
        "checked_at",
        "checked_by_run_id",
    )
    return [dict(zip(names, row, strict=True)) for row in rows]
