"""Time helpers and the world's timeline (start of history, anchor, horizon).

All simulation times are integer epoch seconds (UTC), like Stripe's `created` fields.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

DAY = 86_400
HOUR = 3_600


def to_epoch(moment: datetime) -> int:
    """Epoch seconds of an aware datetime (naive is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    """Aware UTC datetime of epoch seconds."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` shifted by whole months, the day clamped to the target month's length."""
    index = moment.year * 12 + (moment.month - 1) + months
    year, month0 = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month0 + 1)[1])
    return moment.replace(year=year, month=month0 + 1, day=day)


def month_of(seconds: int) -> date:
    """First day of the UTC month containing `seconds`."""
    moment = from_epoch(seconds)
    return date(moment.year, moment.month, 1)


def next_month(month: date) -> date:
    """First day of the month after `month`."""
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def month_start_epoch(month: date) -> int:
    """Epoch seconds of 00:00:00 UTC on `month`."""
    return to_epoch(datetime(month.year, month.month, month.day, tzinfo=UTC))


def period_boundary(anchor: int, interval: str, interval_count: int, k: int) -> int:
    """The k-th billing boundary after `anchor` (k=0 is the anchor itself), as Stripe bills it.

    Month and year intervals keep the anchor's day of month (clamped, never drifting), week and
    day intervals are exact multiples of 7 or 1 days.
    """
    steps = k * interval_count
    if interval == "month":
        return to_epoch(add_months(from_epoch(anchor), steps))
    if interval == "year":
        return to_epoch(add_months(from_epoch(anchor), 12 * steps))
    if interval == "week":
        return anchor + steps * 7 * DAY
    if interval == "day":
        return anchor + steps * DAY
    raise ValueError(f"unknown interval {interval!r}")


def iso(seconds: int) -> str:
    """ISO 8601 UTC with a `Z`, e.g. 2025-03-01T00:00:00Z."""
    return from_epoch(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Timeline:
    """The simulated span: `start` (first instant of history), `anchor` (now), `end` (horizon)."""

    start: int
    anchor: int
    end: int

    @classmethod
    def from_config(cls, anchor: datetime, history_months: int, future_hours: int) -> Timeline:
        """History starts at midnight UTC `history_months` before the anchor."""
        first = add_months(anchor, -history_months).replace(hour=0, minute=0, second=0)
        return cls(
            start=to_epoch(first),
            anchor=to_epoch(anchor),
            end=to_epoch(anchor + timedelta(hours=future_hours)),
        )

    def fraction(self, share: float) -> int:
        """The instant `share` of the way from start to anchor (0.0 = start, 1.0 = anchor)."""
        return self.start + int((self.anchor - self.start) * share)
