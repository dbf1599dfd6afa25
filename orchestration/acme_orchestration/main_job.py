"""The main job on the embedded default: world → sandboxes → Meltano → bronze → dbt → gold → summary."""

from __future__ import annotations

import dataclasses
import shutil
import time

import structlog

from acme_orchestration import dbt, log, meltano, runs, sandboxes, summary, world_store
from acme_orchestration.paths import data_dir, source_names, warehouse_path


def run(seed: int, scale: float, reset: bool = False, advance_hours: float = 0, full: bool = False) -> int:
    """Run every source's job against its sandbox, then build the dbt project; returns an exit code."""
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
    meltano.install()
    record.step("meltano-install", True, time.monotonic() - started)

    ok = True
    with sandboxes.running(world, sources, pinned.advanced_seconds) as servers:
        for source in sources:
            job = f"{source}-{mode}"
            progress(f"extracting {source} from its sandbox at {servers[source].url} into bronze ({job})")
            env = sandboxes.tap_env(source, servers[source])
            result = meltano.run_job(job, run_id, extra_env=env)
            record.step(job, result.ok, result.seconds, source=source)
            ok = ok and result.ok
    if not ok:
        record.finish("failed")
        runs.record(warehouse_path(), record)
        logger.error("a load failed: silver and gold keep their last good data")
        return 1

    progress("building silver and gold with dbt (duckdb target)")
    outcome = dbt.invoke("build", as_of=pinned.clock, run_id=run_id)
    record.step("dbt-build", outcome.success, outcome.seconds, failures=list(outcome.failures))
    record.finish("succeeded" if outcome.success else "failed")
    runs.record(warehouse_path(), record)

    progress("summary")
    print(summary.render(warehouse_path(), pinned.clock), flush=True)
    return 0 if outcome.success else 1
