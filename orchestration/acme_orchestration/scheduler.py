"""``acme scheduler``: fire every source's Meltano schedules locally, as EventBridge does in production.

Each due schedule runs ``acme run <job>`` in a child process (one container task per fire in
production), one at a time. The time each schedule last fired is kept in
``<data dir>/scheduler/last_fired.json``, so a restarted scheduler runs what it missed once
(coalesced) and nothing twice. Overlaps between a source's delta and full jobs are prevented by the
source lock inside ``acme run``, not by the scheduler.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from acme_orchestration import log, schedules, sources
from acme_orchestration.paths import data_dir
from acme_orchestration.schedules import Fire
from acme_orchestration.sources import ScheduleSpec

#: Runs one fire; returns the job's exit code.
Runner = Callable[[Fire], int]


def state_file() -> Path:
    return data_dir() / "scheduler" / "last_fired.json"


def load_last_fired() -> dict[str, dt.datetime]:
    path = state_file()
    if not path.exists():
        return {}
    raw = json.loads(path.read_text())
    return {name: dt.datetime.fromisoformat(value) for name, value in raw.items()}


def save_last_fired(last_fired: dict[str, dt.datetime]) -> None:
    path = state_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({k: v.isoformat() for k, v in sorted(last_fired.items())}, indent=2))
    tmp.replace(path)


def selected(only_sources: tuple[str, ...] = ()) -> list[ScheduleSpec]:
    """Schedules of every source (or of ``only_sources``)."""
    return [s for s in sources.schedules() if not only_sources or s.source in only_sources]


def subprocess_runner(extra_args: tuple[str, ...] = ()) -> Runner:
    """Run each fire as ``acme run <job>`` in a child process (its logs go to this one's stderr)."""

    def run(fire: Fire) -> int:
        logs = "--json-logs" if log.is_json() else "--console-logs"
        command = [sys.executable, "-m", "acme_orchestration.cli", logs, "run", fire.schedule.job, *extra_args]
        return subprocess.run(command, check=False).returncode

    return run


def tick(
    schedule_list: list[ScheduleSpec],
    now: dt.datetime,
    runner: Runner,
    dry_run: bool = False,
) -> list[tuple[Fire, int | None]]:
    """Run every schedule due at ``now``, one after the other; returns (fire, exit code or None)."""
    logger = log.get("scheduler")
    last_fired = load_last_fired()
    done: list[tuple[Fire, int | None]] = []
    for fire in schedules.due(schedule_list, last_fired, now):
        logger.info("schedule due", schedule=fire.schedule.name, job=fire.schedule.job, at=fire.at.isoformat())
        if dry_run:
            done.append((fire, None))
            continue
        code = runner(fire)
        (logger.info if code == 0 else logger.error)("job ended", job=fire.schedule.job, exit_code=code)
        last_fired[fire.schedule.name] = fire.at
        save_last_fired(last_fired)
        done.append((fire, code))
    return done


def loop(
    schedule_list: list[ScheduleSpec],
    runner: Runner,
    until: dt.datetime | None = None,
    poll_seconds: float = 30.0,
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Tick, then sleep until the next fire (at most ``poll_seconds``), until ``until`` has passed."""
    logger = log.get("scheduler")
    logger.info("scheduler started", schedules=[s.name for s in schedule_list], until=until and until.isoformat())
    while True:
        now = clock()
        tick(schedule_list, now, runner)
        if until is not None and now >= until:
            logger.info("scheduler stopped", until=until.isoformat())
            return
        upcoming = [t for s in schedule_list if (t := schedules.next_fire(s.interval, now)) is not None]
        wake = min(
            [*upcoming, *([until] if until is not None else [])], default=now + dt.timedelta(seconds=poll_seconds)
        )
        sleep(max(0.0, min(poll_seconds, (wake - clock()).total_seconds())) + 0.01)
