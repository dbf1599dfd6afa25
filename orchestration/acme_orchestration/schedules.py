"""When Meltano schedules fire: ``@hourly``, ``@daily``, … and cron strings, in UTC (croniter)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from croniter import croniter  # type: ignore[import-untyped]  # no stubs shipped

from acme_orchestration.sources import ScheduleSpec

#: Meltano's interval presets as cron strings. ``@once`` and ``@manual`` never fire on their own.
PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
NEVER = frozenset({"@once", "@manual", "@none", ""})


def cron(interval: str) -> str | None:
    """The cron string of a Meltano interval (None: the schedule only runs when asked)."""
    text = interval.strip()
    if text in NEVER:
        return None
    expression = PRESETS.get(text, text)
    if not croniter.is_valid(expression):
        msg = f"not a Meltano interval or cron string: {interval!r}"
        raise ValueError(msg)
    return expression


def utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def fires_between(interval: str, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
    """Fire times ``t`` with ``after < t <= until``."""
    expression = cron(interval)
    if expression is None:
        return []
    times: list[dt.datetime] = []
    it = croniter(expression, utc(after))
    while True:
        moment = it.get_next(dt.datetime)
        if moment > utc(until):
            return times
        times.append(moment)


def latest_fire(interval: str, at: dt.datetime) -> dt.datetime | None:
    """The latest fire time ``<= at`` (None for schedules that never fire)."""
    expression = cron(interval)
    if expression is None:
        return None
    # get_prev is strictly before its start: start a microsecond later so `at` itself counts
    previous: dt.datetime = croniter(expression, utc(at) + dt.timedelta(microseconds=1)).get_prev(dt.datetime)
    return previous


def next_fire(interval: str, after: dt.datetime) -> dt.datetime | None:
    """The first fire time ``> after``."""
    expression = cron(interval)
    if expression is None:
        return None
    upcoming: dt.datetime = croniter(expression, utc(after)).get_next(dt.datetime)
    return upcoming


@dataclass(frozen=True)
class Fire:
    """A schedule due at ``at``."""

    at: dt.datetime
    schedule: ScheduleSpec

    def sort_key(self) -> tuple[dt.datetime, int, str]:
        # deltas first at the same instant: the hourly freshness does not wait for a long full job
        return (self.at, 0 if self.schedule.job.endswith("-delta") else 1, self.schedule.name)


def plan(schedules: list[ScheduleSpec], after: dt.datetime, until: dt.datetime) -> list[Fire]:
    """Every fire of ``schedules`` in ``(after, until]``, in the order they run."""
    fires = [Fire(t, s) for s in schedules for t in fires_between(s.interval, after, until)]
    return sorted(fires, key=Fire.sort_key)


def due(schedules: list[ScheduleSpec], last_fired: dict[str, dt.datetime], now: dt.datetime) -> list[Fire]:
    """Schedules to run at ``now``: those whose latest fire time is after their last run.

    Missed fires are coalesced into one run (no catch-up of every missed hour), as Meltano's and
    Airflow's schedules do by default. A schedule that never ran is due at its latest fire time.
    """
    fires = []
    for schedule in schedules:
        latest = latest_fire(schedule.interval, now)
        if latest is None:
            continue
        last = last_fired.get(schedule.name)
        if last is None or utc(last) < latest:
            fires.append(Fire(latest, schedule))
    return sorted(fires, key=Fire.sort_key)
