"""Concurrent listing in ``created`` windows: same objects as one serial listing, none twice, none lost."""

from __future__ import annotations

import threading
import time
import typing as t
from collections import Counter

import pytest
from tap_stripe.partitions import CreatedWindow, SplittingListing

from .conftest import TapRun

OBJECT_STREAMS = ("customers", "subscriptions", "invoices", "charges", "refunds", "products", "prices")


def test_concurrent_windows_read_the_same_objects_as_one_listing(
    stripe_sandbox_url: str, tap_runner: t.Callable[..., TapRun], tap_config: t.Callable[..., dict[str, t.Any]]
) -> None:
    serial = tap_runner(tap_config(stripe_sandbox_url, max_concurrent_requests=1, page_size=20))
    split = tap_runner(
        tap_config(stripe_sandbox_url, max_concurrent_requests=6, page_size=20, min_partition_seconds=60)
    )
    for stream in OBJECT_STREAMS:
        ids = [r["id"] for r in split.records(stream)]
        duplicates = [k for k, n in Counter(ids).items() if n > 1]
        assert not duplicates, f"{stream}: read twice: {duplicates[:5]}"
        assert split.by_key(stream) == serial.by_key(stream), stream
    assert split.records("charges"), "the world must have charges"


def test_windows_are_split_and_ties_on_created_are_kept() -> None:
    """A fake list with 500 objects, 100 of them created in the same second, paged 7 at a time."""
    objects = [{"id": f"ch_{n:04d}", "created": 1_000_000 + (n // 5) * 60} for n in range(400)]
    objects += [{"id": f"ch_tie{n:03d}", "created": 1_000_000 + 30 * 60} for n in range(100)]
    newest_first = sorted(objects, key=lambda o: (o["created"], o["id"]), reverse=True)
    threads: set[str] = set()

    def fetch_page(params: dict[str, t.Any]) -> dict[str, t.Any]:
        threads.add(threading.current_thread().name)
        time.sleep(0.002)
        rows = [
            o
            for o in newest_first
            if o["created"] >= params.get("created[gte]", 0) and o["created"] < params.get("created[lt]", 1 << 62)
        ]
        if after := params.get("starting_after"):
            cursor = next(o for o in newest_first if o["id"] == after)
            rows = [o for o in rows if (o["created"], o["id"]) < (cursor["created"], cursor["id"])]
        return {"data": rows[: params["limit"]], "has_more": len(rows) > params["limit"]}

    listing = SplittingListing(fetch_page, {"limit": 7}, CreatedWindow(0, None), workers=4, min_split_seconds=1)
    ids = [o["id"] for o in listing]
    assert sorted(ids) == sorted(o["id"] for o in objects)
    assert len(ids) == len(set(ids))
    assert listing.windows > 4
    assert len(threads) > 1


def test_an_error_in_one_window_fails_the_listing() -> None:
    calls = Counter[str]()

    def fetch_page(params: dict[str, t.Any]) -> dict[str, t.Any]:
        calls["pages"] += 1
        if calls["pages"] == 5:
            raise RuntimeError("stripe: HTTP 500 after retries")
        gte = int(params.get("created[gte]", 0))
        top = int(params.get("created[lt]", 10_000_000))
        return {"data": [{"id": f"ch_{top}_{calls['pages']}", "created": max(gte, top - 1)}], "has_more": True}

    listing = SplittingListing(fetch_page, {"limit": 1}, CreatedWindow(0, None), workers=3, min_split_seconds=1)
    with pytest.raises(RuntimeError, match="HTTP 500"):
        list(listing)
