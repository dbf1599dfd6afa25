"""The main job on the embedded default: world → sandboxes → Meltano → bronze → dbt → gold → summary."""

from __future__ import annotations

import dataclasses
import shutil
import time

import structlog

from acme_orchestration import locks, log, meltano, runs, sandboxes, status, summary, transform, world_store
from acme_orchestration.context import Context
from acme_orchestration.paths import data_dir, source_names, warehouse_path
from acme_orchestration.sources import discover, plugins


def run(seed: int, scale: float, reset: bool = False, advance_hours: float = 0, full: bool = False) -> int:
    """Run every source's job against its sandbox, then build the dbt project; returns an exit code.

    Each source's job runs under its source lock. The dbt build is the same gated build as
    ``acme run``: when a source's load fails, the marts that depend on it keep their last good data
    and are marked stale in ``ops.mart_status``; the others are still built.
    """
    if reset:
        shutil.rmtree(data_dir(), ignore_errors=True)
    pinned = world_store.pin(seed, scale, reset=reset)
    if advance_hours:
        pinned = dataclasses.replace(pinned, advanced_seconds=pinned.advanced_seconds + int(advance_hours * 3600))
        world_store.save(pinned)
    mode = "full" if full else "delta"
    run_id = runs.new_run_id(f"main-{mode}")
    structlog.contextvars.bind_contextvars(run_id=run_id)
    logger = log.get("main")
    record = runs.RunRecord(run_id=run_id, job=f"main-{mode}")
    context = Context(seed=seed, scale=scale)
    sources = source_names()
    total_steps = 4 + len(sources)
    step = 0

    def progress(message: str) -> None:
        nonlocal step
        step += 1
        logger.info(f"[{step}/{total_steps}] {message}")

    progress(
        f"building the AcmeCloud world (seed {pinned.seed}, scale {pinned.scale}, "
        f"clock {pinned.clock:%Y-%m-%d %H:%M} UTC)"
    )
    started = time.monotonic()
    world = world_store.build(pinned)
    truth_dir = data_dir() / "world" / "truth"
    world.write_truth(truth_dir, pinned.clock)
    record.step("world", True, time.monotonic() - started, truth=str(truth_dir))

    progress("installing Meltano plugins (cached after the first run)")
    started = time.monotonic()
    meltano.ensure_installed(*plugins([spec.name for spec in discover() if spec.name in sources]))
    record.step("meltano-install", True, time.monotonic() - started)

    loaded: set[str] = set()
    failed: dict[str, str] = {}
    with sandboxes.running(world, sources, pinned.advanced_seconds) as servers:
        for source in sources:
            job = f"{source}-{mode}"
            progress(f"extracting {source} from its sandbox at {servers[source].url} into bronze ({job})")
            env = sandboxes.tap_env(source, servers[source])
            with locks.source_lock(source, run_id=run_id), locks.warehouse_lock("duckdb", run_id):
                result = meltano.run_job(job, run_id, extra_env=env)
                status.record_load(source, result.ok, result.reason, run_id)
            record.step(job, result.ok, result.seconds, source=source, reason=result.reason or None)
            if result.ok:
                loaded.add(source)
            else:
                failed[source] = result.reason
    if failed:
        logger.error("a load failed: the marts that depend on it keep their last good data", failed=sorted(failed))

    progress("building silver and gold with dbt (duckdb target), gated on healthy inputs")
    ok = transform.run(context, run_id, record, loaded, failed)
    record.finish("succeeded" if ok else "failed")
    with locks.warehouse_lock("duckdb", run_id):
        runs.record(record)

    progress("summary")
    print(summary.render(warehouse_path(), pinned.clock), flush=True)
    return 0 if ok else 1
