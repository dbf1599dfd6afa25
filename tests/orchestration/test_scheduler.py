"""(e) The local scheduler fires the right jobs at the right times, from every source's meltano.yml."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from acme_orchestration import schedules, sources
from acme_orchestration.scheduler import tick
from acme_orchestration.sources import ScheduleSpec

from tests.orchestration.harness import acme

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_every_source_with_a_meltano_file_has_its_schedules_discovered() -> None:
    found = {s.name for s in sources.discover()}
    on_disk = {p.parent.name for p in Path(sources.repo_root() / "sources").glob("*/meltano.yml")}
    assert found == on_disk
    for spec in sources.discover():
        jobs = {j.name: j for j in spec.jobs}
        for schedule in spec.schedules:
            assert schedule.job in jobs, schedule
            schedules.cron(schedule.interval)  # a Meltano interval or a valid cron string
        assert spec.job("delta").name == f"{spec.name}-delta"
        assert spec.job("full").name == f"{spec.name}-full"


def test_hourly_and_daily_fire_at_the_right_times() -> None:
    stripe = [s for s in sources.schedules() if s.source == "stripe"]
    fires = [
        (f.at.isoformat(), f.schedule.job)
        for f in schedules.plan(stripe, at("2026-01-01T22:30"), at("2026-01-02T01:30"))
    ]
    assert fires == [
        ("2026-01-01T23:00:00+00:00", "stripe-delta"),
        ("2026-01-02T00:00:00+00:00", "stripe-delta"),
        ("2026-01-02T00:00:00+00:00", "stripe-full"),
        ("2026-01-02T01:00:00+00:00", "stripe-delta"),
    ]


def test_cron_strings_and_presets() -> None:
    weekly = ScheduleSpec("x-weekly", "x", "x-full", "0 3 * * 1")
    quarter = ScheduleSpec("x-quarter", "x", "x-delta", "*/15 * * * *")
    manual = ScheduleSpec("x-manual", "x", "x-delta", "@once")
    fires = schedules.plan([weekly, quarter, manual], at("2026-01-05T02:50"), at("2026-01-05T03:20"))
    assert [(f.at.strftime("%H:%M"), f.schedule.name) for f in fires] == [
        ("03:00", "x-quarter"),
        ("03:00", "x-weekly"),
        ("03:15", "x-quarter"),
    ]
    with pytest.raises(ValueError, match="not a Meltano interval"):
        schedules.cron("every hour")


def test_due_runs_missed_fires_once_and_nothing_twice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_DATA_DIR", str(tmp_path))
    stripe = [s for s in sources.schedules() if s.source == "stripe"]
    ran: list[tuple[str, str]] = []

    def runner(fire: schedules.Fire) -> int:
        ran.append((fire.at.isoformat(), fire.schedule.job))
        return 0

    # first tick: each schedule runs once, at its latest fire time, oldest first
    tick(stripe, at("2026-03-04T05:10"), runner)
    assert ran == [("2026-03-04T00:00:00+00:00", "stripe-full"), ("2026-03-04T05:00:00+00:00", "stripe-delta")]
    ran.clear()
    tick(stripe, at("2026-03-04T05:50"), runner)
    assert ran == []
    # three hours later: three missed hourly fires become one run; the daily one is not due
    tick(stripe, at("2026-03-04T08:59"), runner)
    assert ran == [("2026-03-04T08:00:00+00:00", "stripe-delta")]
    ran.clear()
    tick(stripe, at("2026-03-05T00:00"), runner)
    assert ran == [("2026-03-05T00:00:00+00:00", "stripe-delta"), ("2026-03-05T00:00:00+00:00", "stripe-full")]
    saved = json.loads((tmp_path / "scheduler" / "last_fired.json").read_text())
    assert saved == {
        "stripe-delta-hourly": "2026-03-05T00:00:00+00:00",
        "stripe-full-daily": "2026-03-05T00:00:00+00:00",
    }


def test_scheduler_command_lists_every_sources_fires(tmp_path: Path) -> None:
    listed = acme(
        tmp_path, "scheduler", "--dry-run", "--since", "2026-01-01T23:30:00Z", "--until", "2026-01-02T00:30:00Z"
    )
    assert listed.returncode == 0, listed.tail()
    fires = [json.loads(line) for line in listed.output.splitlines() if line.startswith('{"at"')]
    expected = []
    for schedule in sorted(sources.schedules(), key=lambda s: (s.job.endswith("-full"), s.name)):
        if schedules.fires_between(schedule.interval, at("2026-01-01T23:30"), at("2026-01-02T00:30")):
            expected.append(schedule.job)
    assert [f["job"] for f in fires] == expected
    assert {f["job"] for f in fires} >= {"stripe-delta", "stripe-full"}
    assert all(f["at"] == "2026-01-02T00:00:00+00:00" for f in fires)

    (tmp_path / "scheduler").mkdir()
    (tmp_path / "scheduler" / "last_fired.json").write_text(
        json.dumps({s.name: "2026-01-02T00:00:00+00:00" for s in sources.schedules()})
    )
    due = acme(tmp_path, "scheduler", "--dry-run", "--now", "2026-01-02T01:05:00Z")
    assert due.returncode == 0, due.tail()
    jobs = sorted(json.loads(line)["job"] for line in due.output.splitlines() if line.startswith('{"at"'))
    assert jobs == sorted(s.job for s in sources.schedules() if s.interval == "@hourly")
