"""Benchmark: request-rate utilisation of tap-salesforce against the sandbox's configured limits.

The sandbox (``acme serve salesforce``, its own process) enforces a token-bucket rate limit of
``--limit-rps`` requests per second (429 + Retry-After beyond it) and a daily API allocation. The tap
runs in this process with REST pages of ``--page-size`` records, so a run makes many requests, in
three modes: one slice after another (``max_concurrent_requests = 1``, the baseline), in
``--concurrency`` concurrent ``SystemModstamp`` windows with its client-side cap at the limit
(``max_requests_per_second = limit``, how it is meant to run), and uncapped (it meets the 429s and
honours Retry-After); then the way the daily
reconciliation reads (Bulk API 2.0 query jobs). Prints achieved requests/s against the allowed rate,
429s, records/s, the share of the daily allocation the run used, and the projected reconciliation
time and API calls at full scale (Salesforce's budget is a daily call allocation, not a rate).

    uv run python bench/salesforce_rate.py --scale 0.05 --limit-rps 25 --latency-ms 20
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

#: Salesforce at AcmeCloud's scale (accounts + contacts + opportunities) and the Bulk results page size.
FULL_SCALE_RECORDS = 8_000_000
BULK_PAGE_RECORDS = 50_000
#: Enterprise Edition: 100,000 calls a day plus per-licence calls; the smallest figure is used.
DAILY_ALLOCATION = 100_000


def run_tap(url: str, **overrides: Any) -> tuple[int, float]:
    """One full read in-process; returns (records, seconds)."""
    from salesforce_sandbox.app import tap_env
    from tap_salesforce.tap import TapSalesforce

    env = tap_env(url)
    config = {
        "api_url": url,
        "client_id": env["TAP_SALESFORCE_CLIENT_ID"],
        "client_secret": env["TAP_SALESFORCE_CLIENT_SECRET"],
        "refresh_token": env["TAP_SALESFORCE_REFRESH_TOKEN"],
        "lookback_seconds": 0,
        "retry_max_wait_seconds": 5,
        "max_retries": 20,
        **overrides,
    }
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out):
        TapSalesforce(config=config, parse_env_config=False).sync_all()
    seconds = time.perf_counter() - started
    records = sum(1 for line in out.getvalue().splitlines() if line.startswith('{"type":"RECORD"'))
    return records, seconds


def measure(url: str, limit_rps: float, label: str, **overrides: Any) -> dict[str, Any]:
    """Reset the sandbox's counters, run the tap, read the counters back."""
    requests.post(f"{url}/_sandbox/reset-stats", timeout=10)
    requests.post(f"{url}/_sandbox/usage", json={"used": 0}, timeout=10)
    records, seconds = run_tap(url, **overrides)
    stats = requests.get(f"{url}/_sandbox/stats", timeout=10).json()
    ok = sum(n for status, n in stats["by_status"].items() if status.startswith("2"))
    throttled = stats["by_status"].get("429", 0)
    achieved = stats["active_ok_requests_per_second"]
    # the token bucket holds `limit_rps` tokens at the start (burst), then refills at `limit_rps`
    allowed_in_window = limit_rps + limit_rps * stats["active_seconds"]
    usage = stats["api_usage"]
    return {
        "mode": label,
        "records": records,
        "seconds": round(seconds, 2),
        "records_per_second": round(records / seconds, 1),
        "requests_ok": ok,
        "requests_429": throttled,
        "achieved_ok_rps": achieved,
        "allowed_rps": limit_rps,
        "utilisation": round(achieved / limit_rps, 3) if limit_rps else None,
        "utilisation_of_bucket": round(ok / allowed_in_window, 3) if limit_rps else None,
        "api_usage": f"{usage['used']}/{usage['limit']} ({usage['used'] / usage['limit']:.2%} of the daily allocation)",
    }


def main() -> None:
    """Serve the sandbox, run both modes, print a table and JSON."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--limit-rps", type=float, default=25.0)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=8, help="max_concurrent_requests of the windowed modes")
    args = parser.parse_args()

    options = ["--rate-limit-rps", str(args.limit_rps), "--latency-ms", str(args.latency_ms)]
    with served("salesforce", scale=args.scale, seed=args.seed, anchor="2025-06-01T00:00:00Z", options=options) as url:
        common = {"page_size": args.page_size, "bulk_threshold": 10**9, "max_concurrent_requests": args.concurrency}
        capped = int(args.limit_rps)
        serial = {**common, "max_concurrent_requests": 1}
        results = [
            measure(url, args.limit_rps, "baseline: one slice after another", max_requests_per_second=capped, **serial),
            measure(
                url,
                args.limit_rps,
                f"{args.concurrency} windows, capped at the limit",
                max_requests_per_second=capped,
                **common,
            ),
            measure(
                url,
                args.limit_rps,
                f"{args.concurrency} windows, uncapped (429 + Retry-After)",
                max_requests_per_second=0,
                **common,
            ),
            measure(
                url,
                args.limit_rps,
                "bulk API 2.0 (the daily reconciliation)",
                max_requests_per_second=int(args.limit_rps),
                bulk_threshold=0,
                bulk_poll_interval_seconds=0.2,
            ),
        ]
    width = max(len(r["mode"]) for r in results)
    print(
        f"sandbox: scale {args.scale}, limit {args.limit_rps} req/s, latency {args.latency_ms} ms, "
        f"page {args.page_size}"
    )
    for r in results:
        print(
            f"{r['mode']:<{width}}  {r['achieved_ok_rps']:6.2f} ok req/s of {r['allowed_rps']:.0f} allowed "
            f"(utilisation {r['utilisation']:.0%}; {r['utilisation_of_bucket']:.0%} of what the bucket allowed "
            f"incl. its burst), {r['requests_ok']} ok, {r['requests_429']} x 429, "
            f"{r['records']} records in {r['seconds']} s, {r['api_usage']}"
        )
    base, windowed = results[0], results[1]
    print(
        f"ratio windows / baseline: requests/s {windowed['achieved_ok_rps'] / base['achieved_ok_rps']:.2f}, "
        f"wall time {windowed['seconds'] / base['seconds']:.2f} "
        f"(same records: {windowed['records'] == base['records']})"
    )
    bulk = results[-1]
    hours = FULL_SCALE_RECORDS / bulk["records_per_second"] / 3600
    calls = FULL_SCALE_RECORDS / BULK_PAGE_RECORDS + 4 * 6
    print(
        f"projected daily reconciliation ({FULL_SCALE_RECORDS:,} records through Bulk API 2.0 at "
        f"{bulk['records_per_second']:.0f} records/s in one process): {hours:.2f} h, ~{calls:.0f} API calls "
        f"({calls / DAILY_ALLOCATION:.2%} of a {DAILY_ALLOCATION:,}-call daily allocation; goal <= 50%)"
    )
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
