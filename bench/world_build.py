"""Benchmark: how fast the AcmeCloud world builds, against a baseline measured in the same run.

Baseline: serialising every object version the build produced to JSON (the least work any
generator of the same output must do). Prints seconds, versions/s and the ratio build/baseline.

    uv run python bench/world_build.py --scales 0.01 0.1
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime

from acme_world import WorldConfig, build_world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.01, 0.1])
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    anchor = datetime(2026, 11, 1, tzinfo=UTC)
    for scale in args.scales:
        started = time.perf_counter()
        world = build_world(WorldConfig(seed=args.seed, scale=scale, anchor=anchor))
        build_s = time.perf_counter() - started
        started = time.perf_counter()
        world.truth()
        truth_s = time.perf_counter() - started
        views = [world.stripe, world.salesforce, world.zendesk]
        versions = [v for view in views for v in view.versions]
        started = time.perf_counter()
        for version in versions:
            json.dumps(version.body)
        baseline_s = time.perf_counter() - started
        print(
            f"scale {scale}: {len(versions):,} versions built in {build_s:.2f} s "
            f"({len(versions) / build_s:,.0f}/s), truth {truth_s:.2f} s; "
            f"baseline (JSON of every version) {baseline_s:.2f} s; ratio build/baseline {build_s / baseline_s:.1f}"
        )


if __name__ == "__main__":
    main()
