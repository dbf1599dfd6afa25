"""Meltano interval -> EventBridge Scheduler expression (pure function)."""

from __future__ import annotations

import pytest
from acme_platform.schedule_expressions import (
    ScheduleExpressionError,
    ScheduleTiming,
    meltano_interval_to_scheduler_expression,
)


@pytest.mark.parametrize(
    ("interval", "expected"),
    [
        ("@hourly", "cron(0 * * * ? *)"),
        ("@daily", "cron(0 2 * * ? *)"),
        ("@midnight", "cron(0 0 * * ? *)"),
        ("@weekly", "cron(0 2 ? * SUN *)"),
        ("@monthly", "cron(0 2 1 * ? *)"),
        ("@yearly", "cron(0 2 1 1 ? *)"),
        ("@annually", "cron(0 2 1 1 ? *)"),
        ("  @HOURLY ", "cron(0 * * * ? *)"),
    ],
)
def test_presets(interval: str, expected: str) -> None:
    assert meltano_interval_to_scheduler_expression(interval) == expected


def test_preset_times_are_configurable() -> None:
    timing = ScheduleTiming(hourly_minute=5, daily_hour=3, daily_minute=30, weekly_day="mon")
    assert meltano_interval_to_scheduler_expression("@hourly", timing) == "cron(5 * * * ? *)"
    assert meltano_interval_to_scheduler_expression("@daily", timing) == "cron(30 3 * * ? *)"
    assert meltano_interval_to_scheduler_expression("@weekly", timing) == "cron(30 3 ? * MON *)"


@pytest.mark.parametrize("interval", ["@once", "@manual", "@none", "@ONCE"])
def test_manual_intervals_get_no_timer(interval: str) -> None:
    assert meltano_interval_to_scheduler_expression(interval) is None


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 * * * *", "cron(0 * * * ? *)"),
        ("*/15 * * * *", "cron(0/15 * * * ? *)"),
        ("5/20 * * * *", "cron(5/20 * * * ? *)"),
        ("30 6 * * 1-5", "cron(30 6 ? * MON-FRI *)"),
        ("0 12 * * 0", "cron(0 12 ? * SUN *)"),
        ("0 12 * * 7", "cron(0 12 ? * SUN *)"),  # 7 is Sunday in Unix cron
        ("0 12 * * 5-7", "cron(0 12 ? * SUN,FRI,SAT *)"),
        ("0 12 * * sat,sun", "cron(0 12 ? * SUN,SAT *)"),
        ("0 12 * * */2", "cron(0 12 ? * SUN,TUE,THU,SAT *)"),
        ("0 0 1 * *", "cron(0 0 1 * ? *)"),
        ("0 0 1,15 * *", "cron(0 0 1,15 * ? *)"),
        ("0 0 */2 * *", "cron(0 0 1/2 * ? *)"),
        ("0 0 1 jan,jul *", "cron(0 0 1 1,7 ? *)"),
        ("0 9-17/2 * * *", "cron(0 9,11,13,15,17 * * ? *)"),
        ("0 9-17 * * *", "cron(0 9-17 * * ? *)"),
        ("0 0 * * 0-6", "cron(0 0 ? * * *)"),
    ],
)
def test_unix_cron_is_converted(cron: str, expected: str) -> None:
    assert meltano_interval_to_scheduler_expression(cron) == expected


@pytest.mark.parametrize(
    "interval",
    [
        "",
        "@fortnightly",
        "0 * * *",  # 4 fields
        "0 * * * * *",  # 6 fields
        "60 * * * *",
        "0 24 * * *",
        "0 0 0 * *",
        "0 0 * 13 *",
        "0 0 * * 8",
        "0 0 1 * 1",  # day-of-month OR day-of-week: not expressible
        "0 0 ? * MON",  # Quartz syntax is not Meltano's
        "0 0 L * *",
        "0 5-1 * * *",
        "*/0 * * * *",
        "rate(1 hour)",
    ],
)
def test_invalid_intervals_are_rejected(interval: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        meltano_interval_to_scheduler_expression(interval)


def test_timing_is_validated() -> None:
    with pytest.raises(ScheduleExpressionError):
        ScheduleTiming(daily_hour=24)
    with pytest.raises(ScheduleExpressionError):
        ScheduleTiming(weekly_day="FUNDAY")
