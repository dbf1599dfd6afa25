"""Benchmark: a full ``dbt build`` against the incremental run after about one hour of changes.

Bronze (DuckDB) holds every Stripe, Salesforce and Zendesk version of the default world (seed 42,
scale 0.01), as the taps emit them (the test fixtures' loaders), up to "one hour of changes" before
its anchor: as many versions as the world makes in an average hour of its last 30 days (a sparse
world has no change at all in many real hours).

1. full build: ``dbt build --full-refresh`` of the whole project at that time;
2. that hour of versions is appended to bronze (loaded later, as an hourly delta would);
3. incremental run: ``dbt build`` of the whole project (what ``acme rebuild --incremental`` and the
   hourly runs' selections are bounded by), and ``dbt build --select source:<s>+`` for one source
   (an hourly ``acme run <s>-delta`` builds that);
4. check: ``dbt build --full-refresh`` again; every gold table must equal the incremental result
   (columns starting with ``_`` are run facts, left out).

Printed: seconds of each build, models and tests run, the ratio incremental / full (goal < 0.10).

    uv run python bench/dbt_incremental.py
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.transforms.bronze import load_duckdb  # noqa: E402
from tests.transforms.conftest import DbtResult  # noqa: E402
from tests.transforms.test_marts_world import (  # noqa: E402
    PROJECT_DIR,
    load_sources_duckdb,
    run_dbt_in,
    source_bronze_rows,
)
from tests.transforms.world_bronze import world_bronze_rows  # noqa: E402

ANCHOR = datetime(2025, 6, 15, 12, 0, tzinfo=UTC)
GOLD = ("customer_360", "fct_mrr", "fct_failed_payments", "open_support_escalations", "churn_risk_inputs")


def load(db: Path, world: Any, as_of: datetime) -> None:
    """Bronze as the taps would have landed it by ``as_of``."""
    load_duckdb(str(db), world_bronze_rows(world, as_of))
    load_sources_duckdb(str(db), source_bronze_rows(world, as_of))


def hour_of_changes_before(world: Any, anchor: datetime) -> tuple[datetime, int]:
    """The time after which the world made an average hour's worth of versions, and that count."""
    stamps = [row.extracted_at for row in world_bronze_rows(world, anchor)]
    stamps += [row[7] for rows in source_bronze_rows(world, anchor).values() for row in rows]
    stamps.sort()
    naive_anchor = anchor.replace(tzinfo=None)
    per_hour = max(1, round(sum(1 for s in stamps if s > naive_anchor - timedelta(days=30)) / (30 * 24)))
    return stamps[-per_hour - 1].replace(tzinfo=UTC), per_hour


def append_after(db: Path, fresh: Path, cutoff: datetime) -> int:
    """Append the rows of ``fresh`` extracted after ``cutoff`` to ``db``'s bronze; rows appended."""
    con = duckdb.connect(str(db))
    try:
        con.execute(f"attach '{fresh}' as fresh (read_only)")
        tables = [
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'bronze' "
                "and table_catalog = 'fresh' and table_name not like '\\_%' escape '\\'"
            ).fetchall()
        ]
        total = 0
        stamp = f"{cutoff.replace(tzinfo=None):%Y-%m-%d %H:%M:%S}"
        for table in tables:
            con.execute(f"create table if not exists bronze.{table} as select * from fresh.bronze.{table} limit 0")
            before = con.execute(f"select count(*) from bronze.{table}").fetchone()[0]  # type: ignore[index]
            con.execute(
                f"insert into bronze.{table} by name select * replace (_extracted_at + interval 1 hour as _loaded_at) "
                f"from fresh.bronze.{table} where _extracted_at > timestamp '{stamp}'"
            )
            total += con.execute(f"select count(*) from bronze.{table}").fetchone()[0] - before  # type: ignore[index]
        con.execute("detach fresh")
        return total
    finally:
        con.close()


def gold(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every gold table's rows (run-fact columns left out), sorted."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        out = {}
        for table in GOLD:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns where table_schema = 'gold' "
                    f"and table_name = '{table}' order by ordinal_position"
                ).fetchall()
                if not name.startswith("_")
            ]
            rows = con.execute(f"select {', '.join(columns)} from gold.{table}").fetchall()
            out[table] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def summary(result: DbtResult) -> str:
    statuses = result.statuses()
    models = sum(1 for k in statuses if k.startswith("model."))
    tests = sum(1 for k in statuses if k.startswith("test."))
    return f"{models} models, {tests} tests"


def build(work: Path, db: Path, args: list[str], as_of: datetime, run_id: str) -> tuple[DbtResult, float]:
    result, seconds = run_dbt_in(
        PROJECT_DIR, args, work, {"ACME_DUCKDB_PATH": str(db)}, {"as_of": as_of.isoformat(), "run_id": run_id}
    )
    if result.returncode != 0:
        sys.exit(f"dbt {' '.join(args)} failed: {result.failures()}\n{result.stdout[-3000:]}")
    return result, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--source", default="stripe", help="the source of the one-source hourly run")
    args = parser.parse_args()

    from acme_world import WorldConfig, build_world

    world = build_world(
        WorldConfig(seed=args.seed, scale=args.scale, anchor=ANCHOR, history_months=24, future_hours=48)
    )
    earlier, per_hour = hour_of_changes_before(world, ANCHOR)
    with tempfile.TemporaryDirectory(prefix="dbt-incremental-") as tmp:
        work = Path(tmp)
        db, fresh = work / "warehouse.duckdb", work / "fresh.duckdb"
        load(db, world, earlier)
        full, t_full = build(work, db, ["build", "--full-refresh"], earlier, "bench-full")
        load(fresh, world, ANCHOR)
        appended = append_after(db, fresh, earlier)
        incremental, t_incremental = build(work, db, ["build"], ANCHOR, "bench-incremental")
        one_source, t_one_source = build(
            work, db, ["build", "--select", f"source:{args.source}+"], ANCHOR, "bench-one-source"
        )
        after_incremental = gold(db)
        rebuilt, t_rebuild = build(work, db, ["build", "--full-refresh"], ANCHOR, "bench-rebuild")
        after_rebuild = gold(db)

    equal = after_incremental == after_rebuild
    print(
        f"world seed {args.seed} scale {args.scale}: {per_hour} versions in an average hour; "
        f"{appended} bronze rows appended after {earlier:%Y-%m-%d %H:%M:%S}"
    )
    print(f"full build (--full-refresh)          {t_full:7.1f} s  ({summary(full)})")
    print(
        f"incremental, whole project           {t_incremental:7.1f} s  ({summary(incremental)})  "
        f"ratio {t_incremental / t_full:.2f}"
    )
    print(
        f"incremental, source:{args.source}+{' ' * max(0, 15 - len(args.source))}  {t_one_source:7.1f} s  "
        f"({summary(one_source)})  ratio {t_one_source / t_full:.2f}"
    )
    print(f"full rebuild after the hour          {t_rebuild:7.1f} s  ({summary(rebuilt)})")
    print(f"gold after incremental == gold after full rebuild: {equal}")
    sys.exit(0 if equal else 1)


if __name__ == "__main__":
    main()
