"""(a) Crash safety, (b) idempotency and (d) the per-source lock, on one data folder.

The folder starts with Salesforce and Zendesk loaded and Stripe never loaded, and goes through:

A. the first stripe-delta, killed at random points, then run to completion;
B. a stripe-full started together with the scheduler's stripe-delta (they serialise on the lock);
C. stripe-full again, killed at random points, then run to completion;
D. a replay window, killed at random points, then completed, and an overlapping replay of one stream;
E. ``acme rebuild``, killed at random points, then completed.

After each step silver and gold must equal the clean run's (one uninterrupted stripe-delta), in
content and not just counts, with no key twice and no bronze record of the clean run missing.

Kills: each killed attempt starts `acme ...` in its own process group, as a container runs, and
SIGKILLs the whole group at a point drawn from a seeded RNG: a delay after the k-th output line of a
phase (the tap starting a stream, target-bronze loading a stage file, dbt parsing or building). Stage
files are small (200 rows) so loads interleave with extraction. ``ACME_CRASH_SEED`` reproduces a run,
``ACME_CRASH_TRIALS`` (default 20) sets how many kills there are in total.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import random
import subprocess
from pathlib import Path

import pytest

from tests.orchestration.conftest import DataDir
from tests.orchestration.harness import (
    REPO,
    KillOutcome,
    KillPlan,
    acme,
    acme_command,
    acme_killed,
    bronze_keys,
    copy_data_dir,
    differences,
    duplicate_keys,
    env_for,
    json_events,
    query,
    snapshot,
)

SEED = int(os.environ.get("ACME_CRASH_SEED", "20261122"))
TRIALS = int(os.environ.get("ACME_CRASH_TRIALS", "20"))
SMALL_BATCHES = {"TARGET_BRONZE_BATCH_SIZE_ROWS": "200"}
DELTA_STATE = "dev:tap-stripe-to-target-bronze"
FULL_STATE = "dev:tap-stripe--full-to-target-bronze"
REPLAY_A = ("replay", "stripe", "--start", "2026-06-01", "--end", "2026-09-01")
REPLAY_B = ("replay", "stripe", "--stream", "customers", "--start", "2026-08-01", "--end", "2026-11-02")
#: Share of the kills per step, and the phases each step's kills are drawn from.
STEPS = {
    "A": (0.40, ("extract", "load", "extract", "load", "dbt-build")),
    "C": (0.25, ("extract", "load")),
    "D": (0.15, ("extract", "load", "dbt-build")),
    "E": (0.20, ("dbt-build", "dbt-build", "dbt-parse")),
}


def _dbt_seconds(output: str, command: str) -> float:
    for event in json_events(output):
        if event.get("event") == "dbt finished" and event.get("command") == command:
            return float(event["seconds"])
    return 5.0


def _plans(rng: random.Random, count: int, phases: tuple[str, ...], build: float, parse: float) -> list[KillPlan]:
    plans = []
    for index in range(count):
        phase = phases[index % len(phases)]
        if phase == "extract":
            plans.append(KillPlan(phase, "Beginning sync of '", rng.randint(1, 8), rng.uniform(0.0, 0.5)))
        elif phase == "load":
            plans.append(KillPlan(phase, "loaded stage file into bronze", rng.randint(1, 6), rng.uniform(0.0, 0.2)))
        elif phase == "dbt-build":
            plans.append(KillPlan(phase, '"command": "build"', 1, rng.uniform(0.2, build)))
        else:
            plans.append(KillPlan(phase, '"command": "parse"', 1, rng.uniform(0.0, parse)))
    # extraction and load first: once an attempt has loaded everything there is little left to kill
    return sorted(plans, key=lambda plan: plan.phase.startswith("dbt"))


def _state(path: Path, state_id: str) -> dict | None:
    file = path / "state" / state_id / "state.json"
    return json.loads(file.read_text()) if file.exists() else None


def _lock_intervals(warehouse: Path, since: dt.datetime) -> list[tuple[str, dt.datetime, dt.datetime, float]]:
    """(job, lock acquired, lock released, seconds waited) of the Stripe runs started after ``since``."""
    intervals = []
    for job, steps in query(warehouse, "select job, steps from ops.pipeline_runs where job like 'stripe-%'"):
        for step in json.loads(steps):
            if step["step"] == "lock" and "released_at" in step:
                acquired = dt.datetime.fromisoformat(step["acquired_at"])
                if acquired > since:
                    released = dt.datetime.fromisoformat(step["released_at"])
                    intervals.append((job, acquired, released, float(step["seconds"])))
    return sorted(intervals, key=lambda i: i[1])


class Journey:
    """The data folder and what each step left behind."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.warehouse = path / "warehouse.duckdb"
        self.snapshots: dict[str, dict[str, tuple[int, str]]] = {}
        self.kills: list[KillOutcome] = []
        self.failures: list[str] = []
        self.facts: dict = {}

    def killed_attempts(self, args: tuple[str, ...], plans: list[KillPlan]) -> None:
        for plan in plans:
            outcome = acme_killed(self.path, args, plan, **SMALL_BATCHES)
            if not outcome.killed:
                # the run ended before the kill point (less left to do than planned): once more, at
                # the first such line, a third of the delay after it
                self.kills.append(outcome)
                sooner = dataclasses.replace(plan, occurrence=1, delay=plan.delay / 3)
                outcome = acme_killed(self.path, args, sooner, **SMALL_BATCHES)
            self.kills.append(outcome)

    def complete(self, step: str, *args: str) -> None:
        outcome = acme(self.path, *args)
        if outcome.returncode != 0:
            self.failures.append(f"{step}: acme {' '.join(args)} exited {outcome.returncode}:\n{outcome.tail(4000)}")

    def check(self, step: str) -> None:
        self.snapshots[step] = snapshot(self.warehouse)


@pytest.fixture(scope="module")
def journey(base_dir: DataDir, clean_dir: DataDir, tmp_path_factory: pytest.TempPathFactory) -> Journey:
    rng = random.Random(SEED)
    build, parse = _dbt_seconds(clean_dir.output, "build"), _dbt_seconds(clean_dir.output, "parse")
    counts = {step: max(1, round(TRIALS * share)) for step, (share, _) in STEPS.items()}
    plans = {step: _plans(rng, counts[step], STEPS[step][1], build, parse) for step in STEPS}
    j = Journey(copy_data_dir(base_dir.path, tmp_path_factory.mktemp("journey") / "data"))

    # A. the first stripe-delta, killed, then completed
    j.killed_attempts(("run", "stripe-delta"), plans["A"])
    j.complete("A", "run", "stripe-delta")
    j.check("A: first delta after kills")

    # B. the daily full and the hourly delta fire at once: the scheduler's delta waits for the lock
    now = dt.datetime(2026, 11, 22, 5, 0, 30, tzinfo=dt.UTC)
    (j.path / "scheduler").mkdir(exist_ok=True)
    (j.path / "scheduler" / "last_fired.json").write_text(
        json.dumps({"stripe-delta-hourly": "2026-11-22T04:00:00+00:00", "stripe-full-daily": now.isoformat()})
    )
    delta_before = _state(j.path, DELTA_STATE)
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    env = env_for(j.path)
    # Output goes to files, not pipes: a pipe nobody reads fills up and blocks its writer while it
    # holds the source lock, and the other run then waits for ever.
    full_log, scheduler_log = j.path / "concurrent-full.log", j.path / "concurrent-scheduler.log"
    with full_log.open("w") as full_file, scheduler_log.open("w") as scheduler_file:
        common = {"stderr": subprocess.STDOUT, "text": True, "cwd": REPO, "env": env}
        full = subprocess.Popen(acme_command("run", "stripe-full"), stdout=full_file, **common)  # type: ignore[call-overload]
        scheduled = subprocess.Popen(  # type: ignore[call-overload]
            acme_command("scheduler", "--once", "--now", now.isoformat(), "--source", "stripe"),
            stdout=scheduler_file,
            **common,
        )
        full.wait(timeout=900)
        scheduled.wait(timeout=900)
    full_out, scheduler_out = full_log.read_text(), scheduler_log.read_text()
    j.facts["concurrent"] = (full.returncode, full_out, scheduled.returncode, scheduler_out)
    j.facts["locks"] = _lock_intervals(j.warehouse, started)
    j.facts["states"] = (delta_before, _state(j.path, DELTA_STATE), _state(j.path, FULL_STATE))
    j.check("B: delta and full at once")

    # C. the full job again, killed, then completed
    j.killed_attempts(("run", "stripe-full"), plans["C"])
    j.complete("C", "run", "stripe-full")
    j.check("C: second full after kills")

    # D. a replay window, killed, then completed; an overlapping replay of one stream
    j.killed_attempts(REPLAY_A, plans["D"])
    j.complete("D", *REPLAY_A)
    j.complete("D", *REPLAY_B)
    j.facts["delta state after replays"] = _state(j.path, DELTA_STATE)
    j.check("D: overlapping replays after kills")

    # E. silver and gold rebuilt from bronze, killed, then completed
    j.killed_attempts(("rebuild",), plans["E"])
    j.complete("E", "rebuild")
    j.check("E: rebuild after kills")
    print(json.dumps({"seed": SEED, "kills": [_describe(k) for k in j.kills]}))
    return j


def _describe(kill: KillOutcome) -> list:
    assert kill.plan is not None
    return [
        " ".join(kill.args[:2]),
        kill.plan.phase,
        kill.plan.occurrence,
        round(kill.plan.delay, 2),
        kill.killed,
        kill.returncode,
        round(kill.seconds, 1),
    ]


def test_every_step_ran_to_completion(journey: Journey) -> None:
    assert not journey.failures, "\n\n".join(journey.failures)


@pytest.mark.parametrize(
    "step",
    [
        "A: first delta after kills",
        "B: delta and full at once",
        "C: second full after kills",
        "D: overlapping replays after kills",
        "E: rebuild after kills",
    ],
)
def test_silver_and_gold_equal_the_clean_run_after(clean_dir: DataDir, journey: Journey, step: str) -> None:
    found = differences(clean_dir.snapshot, journey.snapshots[step])
    assert not found, found


def test_kills_hit_extraction_load_and_dbt(journey: Journey) -> None:
    killed = [k for k in journey.kills if k.killed]
    described = [_describe(k) for k in journey.kills]
    assert len(killed) >= TRIALS, f"only {len(killed)} of {len(journey.kills)} attempts were killed: {described}"
    assert {"extract", "load", "dbt-build", "dbt-parse"} <= {k.plan.phase for k in killed if k.plan}, described
    assert all(k.returncode == -9 for k in killed), described


def test_no_key_twice_and_no_record_lost(clean_dir: DataDir, journey: Journey) -> None:
    assert duplicate_keys(journey.warehouse) == {}
    clean = bronze_keys(clean_dir.warehouse, "stripe")
    after = bronze_keys(journey.warehouse, "stripe")
    lost = {
        table: len(keys - after.get(table, set())) for table, keys in clean.items() if keys - after.get(table, set())
    }
    assert not lost, f"records of the clean run missing after the crashes: {lost}"


def test_killed_runs_are_recorded_as_crashed(journey: Journey) -> None:
    crashed = query(journey.warehouse, "select count(*) from ops.pipeline_runs where status = 'crashed'")[0][0]
    assert crashed >= 1
    (running,) = query(journey.warehouse, "select count(*) from ops.pipeline_runs where status = 'running'")[0]
    assert running == 0, "every run killed after it started is marked crashed by the next run of its source"


def test_delta_and_full_of_a_source_serialise_on_its_lock(journey: Journey) -> None:
    full_code, full_out, scheduler_code, scheduler_out = journey.facts["concurrent"]
    assert full_code == 0, full_out[-5000:]
    assert scheduler_code == 0, scheduler_out[-5000:]
    fired = [json.loads(line) for line in scheduler_out.splitlines() if line.startswith('{"at"')]
    assert [f["job"] for f in fired] == ["stripe-delta"], fired
    intervals = journey.facts["locks"]
    assert sorted(i[0] for i in intervals) == ["stripe-delta", "stripe-full"], intervals
    (first_job, _, first_released, _), (second_job, second_acquired, _, second_waited) = intervals
    assert second_acquired >= first_released, f"{first_job} and {second_job} overlapped: {intervals}"
    assert second_waited > 0, f"{second_job} should have waited for {first_job}'s lock: {intervals}"


def test_delta_full_and_replays_keep_separate_meltano_state(journey: Journey) -> None:
    delta_before, delta_after, full = journey.facts["states"]
    assert delta_before is not None
    assert full is not None
    assert delta_after == delta_before, "a full run (or a rerun at the same source clock) must not move the delta"
    assert journey.facts["delta state after replays"] == delta_before, "replays must not move the delta's bookmarks"
    assert _state(journey.path, f"{DELTA_STATE}:replay") is None, "replays save no state"


def test_replays_land_as_delta_versions_never_as_full_snapshots(journey: Journey) -> None:
    modes = query(
        journey.warehouse, "select distinct sync_mode from bronze._load_audit where run_id like 'stripe-replay-%'"
    )
    assert modes == [("delta",)], modes
    rows = query(
        journey.warehouse,
        "select distinct _sync_mode from bronze.stripe__customers where _run_id like 'stripe-replay-%'",
    )
    assert rows == [("delta",)], rows
    last = query(
        journey.warehouse,
        "select distinct stream from bronze._load_audit where run_id = (select max(run_id) from "
        "bronze._load_audit where run_id like 'stripe-replay-%')",
    )
    assert last == [("customers",)], last


def test_replay_windows_bound_what_is_extracted(journey: Journey) -> None:
    def created_range(table: str) -> tuple:
        return query(
            journey.warehouse,
            f"select min(cast(json_extract(_record, '$.created') as bigint)), "
            f"max(cast(json_extract(_record, '$.created') as bigint)), count(*) "
            f"from bronze.{table} where _run_id like 'stripe-replay-%'",
        )[0]

    june, september, november = (
        int(dt.datetime(2026, month, day, tzinfo=dt.UTC).timestamp()) for month, day in ((6, 1), (9, 1), (11, 2))
    )
    for table in ("stripe__invoices", "stripe__charges", "stripe__subscriptions"):
        low, high, rows = created_range(table)
        assert rows > 0, table
        assert june <= low <= high < september, (table, low, high)
    low, high, rows = created_range("stripe__customers")
    assert rows > 0
    assert june <= low <= high < november, (low, high)
