"""The partitioned daily reconciliation of charges, invoices and refunds (tap_stripe/reconcile.py)."""

from __future__ import annotations

import itertools
import json
import logging
import math
import typing as t

import pytest
from tap_stripe.partitions import CreatedWindow
from tap_stripe.reconcile import DAY, STRIPE_EPOCH, WEEK, oldest_week_start, plan_partitions

NOW = 1_748_736_000  # 2025-06-01T00:00:00Z
PARTITIONED = ("charges", "invoices", "refunds")


def _covered(windows: t.Iterable[CreatedWindow], created: int) -> bool:
    return any(w.gte <= created and (w.lt is None or created < w.lt) for w in windows)


def test_a_week_of_daily_reads_covers_every_old_object_exactly_once() -> None:
    history_from = NOW - 800 * DAY
    plans = [plan_partitions(NOW + d * DAY, recent_days=35, partitions=7, history_from=history_from) for d in range(7)]
    assert sorted(p.partition for p in plans) == list(range(7))
    # every hour older than the first day's recent window is read by exactly one of the 7 days
    for created in range(history_from // WEEK * WEEK, NOW - 35 * DAY, 3600):
        readers = sum(1 for p in plans if _covered(p.windows[1:], created))
        assert readers == 1, f"created {created} is re-read by {readers} of the 7 days"
    for plan in plans:
        recent = plan.windows[0]
        assert recent == CreatedWindow(plan.recent_from, None)
        old = plan.windows[1:]
        assert all(w.lt is not None and w.lt <= plan.recent_from for w in old)
        assert all(w.gte % WEEK == 0 and (w.gte // WEEK) % 7 == plan.partition for w in old)
        # a seventh of the history (weeks), give or take one week
        assert abs(len(old) - (plan.recent_from - history_from) / WEEK / 7) <= 1.5
        assert plan.scope() == {"property": "created", "ranges": [[w.gte, w.lt] for w in plan.windows]}


def test_replay_end_and_bad_settings() -> None:
    plan = plan_partitions(NOW, recent_days=35, partitions=7, history_from=NOW - 400 * DAY, end=NOW - 100 * DAY)
    assert all(w.lt is not None and w.lt <= NOW - 100 * DAY for w in plan.windows)
    assert plan.windows
    assert all(w.gte < NOW - 100 * DAY for w in plan.windows)
    with pytest.raises(ValueError, match="reconcile_partitions"):
        plan_partitions(NOW, recent_days=35, partitions=1, history_from=None)
    with pytest.raises(ValueError, match="reconcile_recent_days"):
        plan_partitions(NOW, recent_days=0, partitions=7, history_from=None)
    assert plan_partitions(NOW, recent_days=35, partitions=7, history_from=None).windows == (
        CreatedWindow(NOW - 35 * DAY, None),
    )


@pytest.mark.parametrize("probes", [1, 4, 12])
@pytest.mark.parametrize("oldest", [STRIPE_EPOCH, 1_600_000_000, 1_600_000_000 // WEEK * WEEK, NOW - 40 * DAY])
def test_the_oldest_week_is_found_by_search(probes: int, oldest: int) -> None:
    asked: list[int] = []

    def any_before(moment: int) -> bool:
        asked.append(moment)
        return oldest < moment

    assert oldest_week_start(any_before, NOW, probes=probes) == oldest // WEEK * WEEK
    weeks = (NOW - STRIPE_EPOCH) / WEEK
    rounds = math.ceil(math.log(weeks) / math.log(probes + 1)) + 1
    assert len(asked) <= 1 + rounds * probes, f"{len(asked)} requests for {probes} at a time"
    assert oldest_week_start(lambda moment: False, NOW, probes=probes) is None
    assert oldest_week_start(lambda moment: True, NOW, probes=probes) == STRIPE_EPOCH // WEEK * WEEK


def test_the_daily_full_reload_reads_the_partition_and_announces_its_scope(
    clean_run: t.Any, stripe_sandbox_url: str, tap_runner: t.Callable, tap_config: t.Callable
) -> None:
    full = tap_runner(tap_config(stripe_sandbox_url, full_reload=True), state=clean_run.final_state)
    versions = full.of_type("ACTIVATE_VERSION")
    for stream in PARTITIONED:
        mine = [m for m in versions if m["stream"] == stream]
        assert len(mine) == 2, stream
        scope = mine[0]["scope"]
        assert mine[1]["scope"] == scope
        assert scope["property"] == "created"
        windows = [CreatedWindow(lo, hi) for lo, hi in scope["ranges"]]
        assert len(windows) > 1, f"{stream}: the world has older history than the recent window"
        expected = {k for k, r in clean_run.by_key(stream).items() if _covered(windows, _created(r))}
        read = set(full.by_key(stream))
        assert read == expected, f"{stream}: read exactly the objects created inside the scope"
        assert 0 < len(read) < len(clean_run.by_key(stream)), stream
    # a whole-stream snapshot of the mutable objects; the lines of partially read invoices are no snapshot
    for stream in ("customers", "subscriptions", "products", "prices", "subscription_items"):
        mine = [m for m in versions if m["stream"] == stream]
        assert len(mine) == 2, stream
        assert all("scope" not in m for m in mine), stream
        assert full.by_key(stream) == clean_run.by_key(stream), stream
    assert not [m for m in versions if m["stream"] == "invoice_line_items"]
    invoices = set(full.by_key("invoices"))
    lines = full.records("invoice_line_items")
    assert lines
    assert {line["invoice"] for line in lines} <= invoices


def _created(record_json: str) -> int:
    return int(json.loads(record_json)["created"])


def test_a_full_reload_starts_the_next_listing_ahead_and_emits_the_same(
    stripe_sandbox_url: str, tap_runner: t.Callable, tap_config: t.Callable, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        ahead = tap_runner(tap_config(stripe_sandbox_url, full_reload=True, max_concurrent_requests=4))
    assert "listing started ahead" in caplog.text
    one_at_a_time = tap_runner(tap_config(stripe_sandbox_url, full_reload=True, max_concurrent_requests=1))
    streams = [m["stream"] for m in ahead.messages if m["type"] == "RECORD"]
    for stream in set(streams):
        assert ahead.by_key(stream) == one_at_a_time.by_key(stream), stream
    # a stream's records still come in one run of messages (children follow their parent)
    top_level = [s for s in streams if s not in ("invoice_line_items", "subscription_items")]
    changes = sum(1 for a, b in itertools.pairwise(top_level) if a != b)
    assert changes == len(set(top_level)) - 1
