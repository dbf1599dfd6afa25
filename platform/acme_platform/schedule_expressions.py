"""Meltano schedule intervals -> Amazon EventBridge Scheduler expressions.

Pure functions only (no Pulumi, no I/O), so they are cheap to unit test.

Meltano accepts presets (``@hourly``, ``@daily``, ...) and five-field Unix cron strings.
EventBridge Scheduler wants ``cron(minutes hours day-of-month month day-of-week year)``
with exactly one of day-of-month / day-of-week set to ``?``, day-of-week numbered 1-7
from Sunday (Unix: 0-6 from Sunday, 7 also Sunday), and no "either day field" (OR)
semantics. The conversion below makes those differences explicit and refuses
expressions that cannot be represented instead of silently changing their meaning.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

DAY_NAMES: tuple[str, ...] = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
MONTH_NAMES: tuple[str, ...] = (
    "JAN",
    "FEB",
    "MAR",
    "APR",
    "MAY",
    "JUN",
    "JUL",
    "AUG",
    "SEP",
    "OCT",
    "NOV",
    "DEC",
)

#: Meltano intervals that mean "never run on a timer" (run by hand or once).
MANUAL_INTERVALS: frozenset[str] = frozenset({"@once", "@manual", "@none"})

_FIELD_CHARS = re.compile(r"^[0-9A-Za-z*,/-]+$")


class ScheduleExpressionError(ValueError):
    """A Meltano interval that EventBridge Scheduler cannot represent."""


@dataclass(frozen=True)
class ScheduleTiming:
    """When the Meltano presets fire.

    ``@hourly`` runs at ``hourly_minute`` past every hour. ``@daily``, ``@weekly``,
    ``@monthly`` and ``@yearly`` run at ``daily_hour:daily_minute`` (the batch window),
    ``@weekly`` on ``weekly_day``. ``@midnight`` keeps its literal meaning (00:00).
    Times are in the schedule's time zone (see ``ScheduleSettings.timezone``).
    """

    hourly_minute: int = 0
    daily_hour: int = 2
    daily_minute: int = 0
    weekly_day: str = "SUN"

    def __post_init__(self) -> None:
        if not 0 <= self.hourly_minute <= 59:
            raise ScheduleExpressionError(f"hourly_minute must be 0-59, got {self.hourly_minute}")
        if not 0 <= self.daily_hour <= 23:
            raise ScheduleExpressionError(f"daily_hour must be 0-23, got {self.daily_hour}")
        if not 0 <= self.daily_minute <= 59:
            raise ScheduleExpressionError(f"daily_minute must be 0-59, got {self.daily_minute}")
        if self.weekly_day.upper() not in DAY_NAMES:
            raise ScheduleExpressionError(f"weekly_day must be one of {DAY_NAMES}")


def meltano_interval_to_scheduler_expression(interval: str, timing: ScheduleTiming | None = None) -> str | None:
    """Map a Meltano schedule ``interval`` to an EventBridge Scheduler expression.

    Returns ``None`` for manual intervals (``@once``, ``@manual``, ``@none``): those
    schedules get no timer. Raises :class:`ScheduleExpressionError` for anything that
    is not a Meltano preset or a valid five-field cron string.

    >>> meltano_interval_to_scheduler_expression("@hourly")
    'cron(0 * * * ? *)'
    >>> meltano_interval_to_scheduler_expression("@daily", ScheduleTiming(daily_hour=3))
    'cron(0 3 * * ? *)'
    >>> meltano_interval_to_scheduler_expression("30 6 * * 1-5")
    'cron(30 6 ? * MON-FRI *)'
    """
    t = timing or ScheduleTiming()
    text = interval.strip()
    if not text:
        raise ScheduleExpressionError("empty schedule interval")
    preset = text.lower()
    if preset in MANUAL_INTERVALS:
        return None
    if preset.startswith("@"):
        at = f"{t.daily_minute} {t.daily_hour}"
        presets = {
            "@hourly": f"cron({t.hourly_minute} * * * ? *)",
            "@daily": f"cron({at} * * ? *)",
            "@midnight": "cron(0 0 * * ? *)",
            "@weekly": f"cron({at} ? * {t.weekly_day.upper()} *)",
            "@monthly": f"cron({at} 1 * ? *)",
            "@yearly": f"cron({at} 1 1 ? *)",
            "@annually": f"cron({at} 1 1 ? *)",
        }
        if preset not in presets:
            raise ScheduleExpressionError(f"unknown Meltano interval preset {interval!r}")
        return presets[preset]
    return unix_cron_to_scheduler_expression(text)


def unix_cron_to_scheduler_expression(expression: str) -> str:
    """Convert a five-field Unix cron string to an EventBridge Scheduler ``cron(...)``."""
    fields = expression.split()
    if len(fields) != 5:
        raise ScheduleExpressionError(
            f"cron interval must have 5 fields (minute hour day month weekday): {expression!r}"
        )
    minute_f, hour_f, dom_f, month_f, dow_f = fields
    for field in fields:
        if not _FIELD_CHARS.match(field):
            raise ScheduleExpressionError(f"unsupported characters in cron field {field!r}")
    minute = _render_values(_parse_field(minute_f, 0, 59, "minute"), 0, 59)
    hour = _render_values(_parse_field(hour_f, 0, 23, "hour"), 0, 23)
    dom_restricted = dom_f != "*"
    dom = _render_values(_parse_field(dom_f, 1, 31, "day-of-month"), 1, 31)
    month = _render_values(_parse_field(month_f, 1, 12, "month", MONTH_NAMES, 1), 1, 12)
    if dow_f == "*":
        return f"cron({minute} {hour} {dom} {month} ? *)"
    if dom_restricted:
        raise ScheduleExpressionError(
            f"{expression!r} restricts both day-of-month and day-of-week; cron runs when "
            "EITHER matches, which EventBridge Scheduler cannot express. Split it in two "
            "schedules."
        )
    days = {d % 7 for d in _parse_field(dow_f, 0, 7, "day-of-week", DAY_NAMES, 0) or ()}
    return f"cron({minute} {hour} ? {month} {_render_days(days)} *)"


def _parse_field(
    field: str,
    low: int,
    high: int,
    label: str,
    names: tuple[str, ...] = (),
    name_base: int = 0,
) -> set[int] | None:
    """Parse one cron field into the set of values it selects; ``None`` means ``*``."""
    if field == "*":
        return None
    values: set[int] = set()
    for part in field.split(","):
        if not part:
            raise ScheduleExpressionError(f"empty list item in {label} field {field!r}")
        base, _, step_text = part.partition("/")
        step = 1
        if step_text:
            if not step_text.isdigit() or int(step_text) == 0:
                raise ScheduleExpressionError(f"bad step {step_text!r} in {label} field")
            step = int(step_text)
        if base == "*":
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start = _value(first, low, high, label, names, name_base)
            end = _value(last, low, high, label, names, name_base)
            if start > end:
                raise ScheduleExpressionError(f"descending range {base!r} in {label} field")
        else:
            start = _value(base, low, high, label, names, name_base)
            end = high if step_text else start
        values.update(range(start, end + 1, step))
    return values


def _value(text: str, low: int, high: int, label: str, names: tuple[str, ...], name_base: int) -> int:
    upper = text.upper()
    if upper in names:
        return names.index(upper) + name_base
    if not text.isdigit():
        raise ScheduleExpressionError(f"bad value {text!r} in {label} field")
    number = int(text)
    if not low <= number <= high:
        raise ScheduleExpressionError(f"{label} value {number} outside {low}-{high}")
    return number


def _render_values(values: set[int] | None, low: int, high: int) -> str:
    """Render a value set compactly: ``*``, ``a/n`` (every n from a), ``a-b`` or ``a,b,c``."""
    if values is None:
        return "*"
    ordered = sorted(values)
    if len(ordered) == high - low + 1:
        return "*"
    if len(ordered) > 2:
        step = ordered[1] - ordered[0]
        regular = all(b - a == step for a, b in itertools.pairwise(ordered))
        if regular and step == 1:
            return f"{ordered[0]}-{ordered[-1]}"
        if regular and ordered[-1] + step > high and ordered[0] - step < low:
            return f"{ordered[0]}/{step}"
    return ",".join(str(v) for v in ordered)


def _render_days(days: set[int]) -> str:
    """Render weekdays (0=Sunday) as EventBridge names, compressing runs: ``MON-FRI``."""
    if len(days) == 7:
        return "*"
    runs: list[list[int]] = []
    for day in sorted(days):
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_NAMES[run[0]]}-{DAY_NAMES[run[-1]]}")
        else:
            parts.extend(DAY_NAMES[d] for d in run)
    return ",".join(parts)
