"""Benchmark: tap-stripe's request rate against the budget it is given, with real-world latency.

The Stripe sandbox runs in its own process (``acme serve stripe``) with 150 ms per response and
Stripe's live-mode read limit (100 requests/s, 429 + Retry-After beyond it). The tap is given half
of it (``max_requests_per_second = 50``: the product shares the limit) and does a full read twice
in this run:

* baseline: one request at a time (``max_concurrent_requests = 1``), what a plain tap does;
* partitioned: ``created`` windows read concurrently (``max_concurrent_requests = --concurrency``).

Printed: requests/s achieved (counted by the sandbox, 2xx only) as a share of the budget, 429s,
records/s, and the ratio partitioned / baseline. Small pages (``--page-size``) make many requests
from a small world, so the figure measures the tap's pacing, not its per-record CPU; the record rate
is printed too, because at full scale (100 objects a page) that is what bounds a single process.

Both reads are the daily reconciliation as built (``full_reload``; charges, invoices and refunds in
``created`` partitions: the last ``reconcile_recent_days`` plus a rolling seventh of older weeks,
``--reconcile-partitions``). ``--compare-whole`` also reads every list in full (partitions = 1, the
naive truncate-and-reload) and prints the daily read's share of its requests.

Projection: the daily Stripe reconciliation of ``docs/data-architecture.md`` needs ~220k requests
(~22M objects); its time is the larger of requests / achieved requests/s and objects / the record
rate measured with 100-object pages (``--full-pages``).

    uv run python bench/stripe_rate.py --scale 0.05 --page-size 20
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import time
from typing import Any

import requests
from sandbox_server import served

RECONCILIATION_REQUESTS = 220_000
RECONCILIATION_OBJECTS = 22_000_000
WINDOW_HOURS = 4.0


def run_tap(url: str, streams: list[str] | None = None, **overrides: Any) -> tuple[int, float]:
    """One full read in-process of ``streams`` (default: all), RECORD lines counted, not kept;
    returns (records, seconds)."""
    from stripe_sandbox.settings import DEFAULT_API_KEY
    from tap_stripe.tap import TapStripe

    config = {
        "api_key": DEFAULT_API_KEY,
        "api_url": url,
        "full_reload": True,
        "lookback_seconds": 0,
        "retry_max_wait_seconds": 5,
        "max_retries": 20,
        **overrides,
    }

    class Counter(io.TextIOBase):
        records = 0

        def write(self, text: str) -> int:
            self.records += text.count('{"type":"RECORD"')
            return len(text)

    catalog = None
    if streams:
        catalog = TapStripe(config=config, parse_env_config=False).catalog_dict
        for entry in catalog["streams"]:
            for metadata in entry["metadata"]:
                if not metadata["breadcrumb"]:
                    metadata["metadata"]["selected"] = entry["tap_stream_id"] in streams
    out = Counter()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        TapStripe(config=config, catalog=catalog, parse_env_config=False).sync_all()
    return out.records, time.perf_counter() - started


def measure(url: str, label: str, budget: float, streams: list[str] | None, **overrides: Any) -> dict[str, Any]:
    """Reset the sandbox's counters, run the tap, read them back."""
    requests.post(f"{url}/_sandbox/reset-stats", timeout=10)
    records, seconds = run_tap(url, streams, max_requests_per_second=int(budget), **overrides)
    stats = requests.get(f"{url}/_sandbox/stats", timeout=10).json()
    ok = sum(n for status, n in stats["by_status"].items() if status.startswith("2"))
    achieved = stats["active_ok_requests_per_second"]
    return {
        "mode": label,
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds, 1),
        "requests_ok": ok,
        "requests_429": stats["by_status"].get("429", 0),
        "achieved_ok_rps": achieved,
        "budget_rps": budget,
        "share_of_budget": round(achieved / budget, 3),
    }


def main() -> None:
    """Serve the sandbox, run the baseline and the partitioned read, print figures and JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--api-limit-rps", type=float, default=100.0, help="Stripe live-mode read limit")
    parser.add_argument("--budget-share", type=float, default=0.5, help="share of the API limit the tap is given")
    parser.add_argument("--concurrency", type=int, default=12)
    parser.add_argument("--page-size", type=int, default=20)
    parser.add_argument("--full-pages", action="store_true", help="also measure records/s with 100-object pages")
    parser.add_argument(
        "--reconcile-partitions", type=int, default=7, help="rolling partitions of older history (1 = whole read)"
    )
    parser.add_argument("--compare-whole", action="store_true", help="also read every list in full")
    parser.add_argument(
        "--streams", nargs="+", help="read only these streams (e.g. charges invoices: most of the volume at full scale)"
    )
    args = parser.parse_args()

    budget = args.api_limit_rps * args.budget_share
    options = ["--rate-limit-rps", str(args.api_limit_rps), "--latency-ms", str(args.latency_ms)]
    with served("stripe", scale=args.scale, seed=args.seed, anchor="2025-06-01T00:00:00Z", options=options) as url:
        common = {"page_size": args.page_size, "reconcile_partitions": args.reconcile_partitions}
        results = [
            measure(url, "baseline: one request at a time", budget, args.streams, max_concurrent_requests=1, **common),
            measure(
                url,
                f"partitioned: {args.concurrency} windows at once",
                budget,
                args.streams,
                max_concurrent_requests=args.concurrency,
                **common,
            ),
        ]
        if args.compare_whole:
            results.append(
                measure(
                    url,
                    f"whole re-read (partitions = 1): {args.concurrency} windows at once",
                    budget,
                    args.streams,
                    max_concurrent_requests=args.concurrency,
                    page_size=args.page_size,
                    reconcile_partitions=1,
                )
            )
        if args.full_pages:
            results.append(
                measure(
                    url,
                    "partitioned, 100-object pages",
                    budget,
                    args.streams,
                    max_concurrent_requests=args.concurrency,
                    page_size=100,
                )
            )

    print(
        f"sandbox: scale {args.scale}, latency {args.latency_ms:g} ms, API limit {args.api_limit_rps:g} req/s, "
        f"tap budget {budget:g} req/s ({args.budget_share:.0%}), page {args.page_size}, "
        f"streams {' '.join(args.streams) if args.streams else 'all'}"
    )
    width = max(len(r["mode"]) for r in results)
    for r in results:
        print(
            f"{r['mode']:<{width}}  {r['achieved_ok_rps']:6.2f} ok req/s of {r['budget_rps']:g} "
            f"= {r['share_of_budget']:.0%} of budget; {r['requests_ok']} ok, {r['requests_429']} x 429; "
            f"{r['records']} records in {r['seconds']} s ({r['records_per_second']:.0f}/s)"
        )
    base, part = results[0], results[1]
    print(
        f"ratio partitioned / baseline: requests/s {part['achieved_ok_rps'] / base['achieved_ok_rps']:.2f}, "
        f"wall time {part['seconds'] / base['seconds']:.2f} (same records)"
    )
    if args.compare_whole:
        whole = next(r for r in results if r["mode"].startswith("whole"))
        print(
            f"daily partitioned read / whole re-read: requests {part['requests_ok'] / whole['requests_ok']:.2f}, "
            f"records {part['records'] / whole['records']:.2f}, wall time {part['seconds'] / whole['seconds']:.2f}"
        )
    record_rate = results[-1]["records_per_second"] if args.full_pages else None
    hours_requests = RECONCILIATION_REQUESTS / part["achieved_ok_rps"] / 3600
    line = (
        f"projected daily reconciliation (~{RECONCILIATION_REQUESTS:,} requests at the achieved rate): "
        f"{hours_requests:.2f} h"
    )
    if record_rate:
        hours_records = RECONCILIATION_OBJECTS / record_rate / 3600
        line += f"; bound by one process's record rate ({record_rate:.0f}/s): {hours_records:.2f} h"
        hours_requests = max(hours_requests, hours_records)
    print(line)
    verdict = part["share_of_budget"] >= 0.9 and hours_requests < WINDOW_HOURS
    print(f"goal: >= 90% of budget and < {WINDOW_HOURS:g} h -> {'PASS' if verdict else 'FAIL'}")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
