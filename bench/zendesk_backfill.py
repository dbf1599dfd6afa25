"""Benchmark: a Zendesk backfill under the incremental-export rate limit (10 requests/minute).

A small world is served by the Zendesk sandbox with Zendesk's default limits (exports 10/minute,
account 700/minute, 60-second windows) and some network latency. ``tap-zendesk`` (a full backfill:
no state) is piped into ``target-bronze`` (a temporary DuckDB), as ``meltano run`` would. The export
page size is chosen so the backfill needs about ``--minutes`` worth of export requests at the limit.

Goal: no failed request (every response 2xx: the tap paces itself, it never learns the limit from
429s) and at least 90 % of the export rate the tap is given (``--share`` percent of the limit) used.
The sandbox's ``/_sandbox/stats`` gives the counts; the achieved rate is (requests - 1) / (last - first
request) per minute.

    uv run python bench/zendesk_backfill.py --minutes 3
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import requests
from acme_world import WorldConfig, build_world
from zendesk_sandbox import SandboxSettings, run_in_thread, tap_env

EXPORTED = ("organization", "user", "ticket")
COMMENTS = "/api/v2/tickets/{id}/comments.json"


def exportable(world: Any, clock: int, lag: int) -> dict[str, int]:
    """Objects per exported resource an export shows at ``clock``."""
    seen: dict[str, set[str]] = {resource: set() for resource in EXPORTED}
    for version in world.zendesk.versions:
        if version.valid_from > clock - lag:
            break
        if version.resource in seen:
            seen[version.resource].add(version.id)
    return {resource: len(ids) for resource, ids in seen.items()}


def page_size_for(counts: dict[str, int], requests_wanted: int) -> int:
    """The largest export page size with which the three exports take at least ``requests_wanted`` requests
    (fewer when even pages of one object cannot make that many)."""
    for size in range(1000, 0, -1):
        if sum(math.ceil(n / size) or 1 for n in counts.values()) >= requests_wanted:
            return size
    return 1


def backfill(url: str, settings: SandboxSettings, page_size: int, args: argparse.Namespace, workdir: Path) -> float:
    """Pipe tap-zendesk into target-bronze; returns the wall time in seconds."""
    env = tap_env(url, settings)
    tap_config = {
        "api_url": env["TAP_ZENDESK_API_URL"],
        "email": env["TAP_ZENDESK_EMAIL"],
        "api_token": env["TAP_ZENDESK_API_TOKEN"],
        "export_requests_per_minute": settings.export_requests_per_minute,
        "requests_per_minute": settings.requests_per_minute,
        "rate_limit_share_percent": args.share,
        "max_concurrent_requests": args.concurrency,
        "export_page_size": page_size,
    }
    target_config = {
        "warehouse": "duckdb",
        "duckdb_path": str(workdir / "warehouse.duckdb"),
        "stage_url": str(workdir / "stage"),
        "source": "zendesk",
        "run_id": "bench-backfill",
    }
    (workdir / "tap.json").write_text(json.dumps(tap_config))
    (workdir / "target.json").write_text(json.dumps(target_config))
    started = time.perf_counter()
    with (workdir / "tap.log").open("w") as tap_log, (workdir / "target.log").open("w") as target_log:
        tap = subprocess.Popen(
            [sys.executable, "-m", "tap_zendesk", "--config", str(workdir / "tap.json")],
            stdout=subprocess.PIPE,
            stderr=tap_log,
        )
        target = subprocess.run(
            [sys.executable, "-m", "target_bronze.target", "--config", str(workdir / "target.json")],
            stdin=tap.stdout,
            stdout=subprocess.DEVNULL,
            stderr=target_log,
            check=False,
        )
        tap.wait()
    seconds = time.perf_counter() - started
    if tap.returncode or target.returncode:
        sys.exit(f"backfill failed (tap {tap.returncode}, target {target.returncode}); logs in {workdir}")
    return seconds


def bronze_rows(workdir: Path) -> dict[str, int]:
    """Rows per bronze table."""
    with duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'bronze' "
                "and table_name like 'zendesk__%' order by 1"
            ).fetchall()
        ]
        return {t: conn.execute(f"select count(*) from bronze.{t}").fetchone()[0] for t in tables}  # type: ignore[index]


def line(name: str, stats: dict[str, Any], limit: float) -> str:
    """One line of per-endpoint figures."""
    achieved = stats["achieved_per_minute"]
    return (
        f"  {name:<44} {stats['requests']:>5} requests, {stats['failed']:>2} failed, "
        f"{achieved:8.2f}/min of {limit:g}/min allowed = {achieved / limit:6.1%} "
        f"(busiest 60 s: {stats['peak_in_window']})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=3.0, help="export budget: minutes of requests at the limit")
    parser.add_argument("--scale", type=float, default=0.002, help="world scale (0.002: ~120 tickets)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--latency-ms", type=float, default=80.0, help="sandbox latency per request")
    parser.add_argument("--export-limit", type=int, default=10, help="export requests/minute (Zendesk: 10)")
    parser.add_argument("--account-limit", type=int, default=700, help="account requests/minute")
    parser.add_argument("--share", type=int, default=95, help="tap setting rate_limit_share_percent")
    parser.add_argument("--concurrency", type=int, default=4, help="tap setting max_concurrent_requests")
    args = parser.parse_args()

    world = build_world(WorldConfig(seed=args.seed, scale=args.scale, anchor=datetime(2025, 6, 1, tzinfo=UTC)))
    settings = SandboxSettings(
        export_requests_per_minute=args.export_limit,
        requests_per_minute=args.account_limit,
        latency_ms=args.latency_ms,
        latency_jitter_ms=args.latency_ms / 2,
    )
    counts = exportable(world, int(world.anchor.timestamp()), settings.export_lag_seconds)
    wanted = max(2, round(args.minutes * args.export_limit))
    page_size = page_size_for(counts, wanted)
    print(
        f"world seed {args.seed} scale {args.scale}: {counts['organization']} organizations, {counts['user']} users, "
        f"{counts['ticket']} tickets; export page size {page_size} (~{wanted} export requests)"
    )
    with tempfile.TemporaryDirectory(prefix="zendesk-bench-") as tmp, run_in_thread(world, settings) as sandbox:
        workdir = Path(tmp)
        seconds = backfill(sandbox.url, settings, page_size, args, workdir)
        stats = requests.get(f"{sandbox.url}/_sandbox/stats", timeout=30).json()
        rows = bronze_rows(workdir)

    export, account = stats["buckets"]["export"], stats["buckets"]["account"]
    comments = stats["by_route"].get(
        COMMENTS, {"requests": 0, "failed": 0, "achieved_per_minute": 0.0, "peak_in_window": 0}
    )
    print(f"backfill (tap-zendesk | target-bronze) finished in {seconds:.1f} s; bronze rows: {rows}")
    print("per endpoint (achieved = (requests - 1) / (last - first request)):")
    for route, route_stats in stats["by_route"].items():
        limit = args.export_limit if route.startswith("/api/v2/incremental/") else args.account_limit
        print(line(route, route_stats, limit))
    print(line("ALL incremental exports (export limit)", export, args.export_limit))
    print(line("ticket comments (account limit)", comments, args.account_limit))
    print(line("ALL requests (account limit)", account, args.account_limit))
    budget = args.export_limit * args.share / 100
    utilisation = export["achieved_per_minute"] / budget
    failed = account["failed"]
    print(
        f"export rate: achieved {export['achieved_per_minute']:.2f}/min vs the tap's budget {budget:g}/min "
        f"({args.share}% of the {args.export_limit}/min limit) -> utilisation {utilisation:.3f} (goal >= 0.90); "
        f"failed requests: {failed} (goal 0); 429s: {account['rate_limited']}"
    )
    ok = failed == 0 and utilisation >= 0.90 and export["peak_in_window"] <= args.export_limit
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
