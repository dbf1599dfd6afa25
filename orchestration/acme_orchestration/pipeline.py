"""One run of one source, as a container task runs it: lock, extract and load, gated dbt, records.

Used by ``acme run`` (a job), ``acme replay`` (a window re-extracted), ``acme rebuild`` (dbt only)
and, for its dbt step, the main job. Steps of a source run:

1. take the source lock (``locks.py``): the delta and full jobs of a source never overlap;
2. mark runs of the source that a crash left ``running`` in ``ops.pipeline_runs`` as ``crashed``;
3. on the embedded default, serve the source's sandbox; then ``meltano run`` (holding the DuckDB
   warehouse lock while the loader has the file open);
4. record the load in ``ops.source_status``;
5. the gated dbt build (``transform``): staging of the loaded source, then every model downstream
   whose inputs are all healthy; statuses into ``ops.source_status`` and ``ops.mart_status``;
6. the run's row in ``ops.pipeline_runs``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import structlog

from acme_orchestration import locks, log, meltano, runs, sources, status, transform
from acme_orchestration.context import Context, api_env
from acme_orchestration.runs import RunRecord, utc_now

__all__ = ["EXIT_FAILED", "EXIT_LOCKED", "EXIT_OK", "Context", "Load", "rebuild", "run_jobs", "run_loads"]

EXIT_OK = 0
EXIT_FAILED = 1
#: The source lock stayed taken for longer than ``--lock-timeout`` (sysexits EX_TEMPFAIL).
EXIT_LOCKED = 75


@dataclass(frozen=True)
class Load:
    """One Meltano run of one source: a job, or a replay's extractor/loader pair."""

    label: str
    source: str
    meltano_args: tuple[str, ...]
    extra_env: dict[str, str] = field(default_factory=dict)


def source_jobs(source: str) -> list[str]:
    """Every job name a run of ``source`` may have in ``ops.pipeline_runs``."""
    return [j.name for j in sources.source(source).jobs] + [f"{source}-replay"]


@contextlib.contextmanager
def _source_locks(names: list[str], context: Context, run_id: str) -> Iterator[float]:
    """Every source lock of a run, taken in name order (two runs never wait on each other in a cycle)."""
    with contextlib.ExitStack() as stack:
        waited = sum(stack.enter_context(locks.source_lock(n, context.lock_timeout, run_id)) for n in sorted(names))
        yield waited


def run_loads(label: str, loads: list[Load], context: Context) -> int:
    """Lock the sources, run each load, then one gated dbt build; an exit code.

    The source locks are held from before the first load until the run's records are written.
    """
    run_id = runs.new_run_id(label)
    names = sorted({load.source for load in loads})
    structlog.contextvars.bind_contextvars(run_id=run_id, source=",".join(names), job=label)
    logger = log.get("pipeline")
    record = RunRecord(run_id=run_id, job=label)
    refreshed: set[str] = set()
    failed: dict[str, str] = {}
    try:
        with _source_locks(names, context, run_id) as waited:
            lock_step: dict[str, Any] = {"step": "lock", "ok": True, "seconds": round(waited, 2)}
            lock_step.update(locks=[f"source-{n}" for n in names], acquired_at=utc_now().isoformat())
            record.steps.append(lock_step)
            with locks.warehouse_lock(context.target, run_id):
                crashed = runs.start(record, [job for n in names for job in source_jobs(n)], context.target)
            if crashed:
                logger.warning("earlier runs of these sources were killed before they finished", crashed=crashed)
            meltano.ensure_installed(*sources.plugins(names), environment=context.environment)
            with api_env(context, names) as envs:
                for load in loads:
                    with locks.warehouse_lock(context.target, run_id):
                        result = meltano.run(
                            list(load.meltano_args),
                            run_id=run_id,
                            label=load.label,
                            source=load.source,
                            environment=context.environment,
                            extra_env={**envs[load.source], **load.extra_env},
                        )
                        status.record_load(load.source, result.ok, result.reason, run_id, context.target)
                    record.step(load.label, result.ok, result.seconds, source=load.source, reason=result.reason or None)
                    if result.ok:
                        refreshed.add(load.source)
                    else:
                        failed[load.source] = result.reason
            ok = not failed
            if context.transform:
                ok = transform.run(context, run_id, record, refreshed, failed) and ok
            lock_step["released_at"] = utc_now().isoformat()
    except locks.LockTimeoutError as exc:
        logger.error("source busy: not run", error=str(exc))
        return EXIT_LOCKED
    record.finish("succeeded" if ok else "failed")
    with locks.warehouse_lock(context.target, run_id):
        runs.record(record, context.target)
    (logger.info if ok else logger.error)("run finished", status=record.status, failed=sorted(failed))
    return EXIT_OK if ok else EXIT_FAILED


def run_jobs(job_names: list[str], context: Context) -> int:
    """``acme run <job>...``: each source's Meltano job, then the dbt work that depends on them."""
    jobs = [sources.job(name) for name in job_names]
    loads = [Load(job.name, job.source, (job.name,)) for job in jobs]
    return run_loads("-and-".join(job_names), loads, context)


def rebuild(context: Context, full_refresh: bool = True) -> int:
    """``acme rebuild``: silver and gold from bronze (``dbt build --full-refresh``), gated."""
    run_id = runs.new_run_id("rebuild")
    structlog.contextvars.bind_contextvars(run_id=run_id, job="rebuild")
    record = RunRecord(run_id=run_id, job="rebuild")
    ok = transform.run(context, run_id, record, set(), {}, whole_project=True, full_refresh=full_refresh)
    record.finish("succeeded" if ok else "failed")
    with locks.warehouse_lock(context.target, run_id):
        runs.record(record, context.target)
    return EXIT_OK if ok else EXIT_FAILED
