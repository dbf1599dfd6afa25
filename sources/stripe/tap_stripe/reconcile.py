"""The daily reconciliation of Stripe's large lists: the recent past in full, a rolling share of the rest.

Charges, invoices and refunds are most of a Stripe account (~120M objects at AcmeCloud) and almost
never change once they are a few weeks old; re-listing all of them every day does not fit the window
under half the API budget (docs/data-architecture.md, "Daily reconciliation at full scale"). So the
daily ``full_reload`` of such a stream reads:

* every object created in the last ``reconcile_recent_days`` (refunds, disputes and late payments
  happen there), and
* of the older history, the UTC weeks whose number (weeks since 1970) is congruent to the day number
  modulo ``reconcile_partitions``: with 7 partitions each old week is re-read once a week, and a
  day's share is a seventh of the history.

The read is a snapshot of exactly those ``created`` ranges; it is announced with its scope (see
``ScopedActivateVersionMessage`` in ``base.py``), so silver infers a delete only for a key whose
``created`` lies inside the ranges and that the snapshot did not contain. ``reconcile_partitions``
= 1 turns this off (the whole list, a whole-stream snapshot).

Where the history starts is not configured: unless ``start_date`` is set, the oldest week holding an
object is found by a search over ``created[lt]`` (one-object requests, up to four at a time: about
five rounds, twenty requests).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .partitions import CreatedWindow

DAY = 86_400
WEEK = 7 * DAY
#: Nothing on Stripe is older than this (2010-01-01T00:00:00Z): the bisection's lower bound.
STRIPE_EPOCH = 1_262_304_000


@dataclass(frozen=True)
class PartitionPlan:
    """What one daily reconciliation of one stream reads."""

    #: ``created`` windows to list: the recent one first, then the partition's old weeks.
    windows: tuple[CreatedWindow, ...]
    #: Today's partition and how many there are.
    partition: int
    partitions: int
    #: Start of the recent window (everything created since is read).
    recent_from: int

    def scope(self) -> dict[str, object]:
        """The snapshot scope announced on ACTIVATE_VERSION (``created`` ranges, ``to`` exclusive)."""
        return {"property": "created", "ranges": [[w.gte, w.lt] for w in self.windows]}

    def describe(self) -> str:
        """One line for the run log."""
        old = len(self.windows) - 1
        return (
            f"partition {self.partition + 1} of {self.partitions}: created since {self.recent_from} "
            f"in full, plus {old} older week{'s' if old != 1 else ''}"
        )


def plan_partitions(
    now: int,
    *,
    recent_days: int,
    partitions: int,
    history_from: int | None,
    end: int | None = None,
) -> PartitionPlan:
    """The windows of the daily read at ``now`` (epoch seconds).

    ``history_from``: the oldest ``created`` to cover (None: no history older than the recent window).
    ``end``: exclusive upper bound of ``created`` (replays); None reads up to the present.
    """
    if partitions < 2:
        msg = f"stripe: setting `reconcile_partitions` must be at least 2 for a partitioned read, got {partitions}"
        raise ValueError(msg)
    if recent_days < 1:
        msg = f"stripe: setting `reconcile_recent_days` must be at least 1, got {recent_days}"
        raise ValueError(msg)
    recent_from = now - recent_days * DAY
    partition = (now // DAY) % partitions
    windows = [CreatedWindow(recent_from, end)] if end is None or end > recent_from else []
    if history_from is not None and history_from < recent_from:
        last = recent_from if end is None else min(recent_from, end)
        for week in range(history_from // WEEK, math.ceil(last / WEEK)):
            if week % partitions != partition:
                continue
            lo, hi = week * WEEK, min((week + 1) * WEEK, last)
            if hi > lo:
                windows.append(CreatedWindow(lo, hi))
    return PartitionPlan(tuple(windows), partition, partitions, recent_from)


def oldest_week_start(any_created_before: Callable[[int], bool], before: int, *, probes: int = 1) -> int | None:
    """Start of the oldest UTC week holding an object created before ``before``; None if there is none.

    ``any_created_before(t)`` answers whether an object with ``created < t`` exists (one request).
    ``probes`` requests run at once per round (a (probes + 1)-ary search): about
    log(weeks) / log(probes + 1) rounds, each one request's latency.
    """
    if not any_created_before(before):
        return None
    lo, hi = STRIPE_EPOCH // WEEK, math.ceil(before / WEEK)  # weeks: nothing before lo, something before hi
    width = max(1, probes)
    with ThreadPoolExecutor(max_workers=width, thread_name_prefix="stripe-history") as pool:
        while hi - lo > 1:
            points = sorted({lo + (hi - lo) * (n + 1) // (width + 1) for n in range(width)} - {lo, hi})
            if not points:
                points = [(lo + hi) // 2]
            answers = list(pool.map(lambda week: any_created_before(week * WEEK), points))
            found = [week for week, yes in zip(points, answers, strict=True) if yes]
            if found:
                hi = found[0]
                lo = max([lo, *(week for week in points if week < hi)])
            else:
                lo = points[-1]
    return lo * WEEK
