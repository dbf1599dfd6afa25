"""Run `acme` commands as production runs them (a process group per run) in private data folders.

Everything is real: sandboxes over HTTP on loopback, Meltano, the taps, target-bronze, DuckDB, dbt.
The world is tiny (scale 0.002) and pinned to a fixed anchor, so every data folder sees the same
source data whenever the tests run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[2]
SEED = 7
SCALE = 0.002
ANCHOR = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
#: Relations that describe runs rather than data (they grow with every run by design).
RUN_BOOKKEEPING = ("stg_bronze__",)


def pin_world(data_dir: Path) -> None:
    """Pin the test world in ``data_dir`` (what ``acme main`` does on first use, with a fixed anchor)."""
    world = data_dir / "world" / "world.json"
    world.parent.mkdir(parents=True, exist_ok=True)
    world.write_text(json.dumps({"seed": SEED, "scale": SCALE, "anchor": ANCHOR.isoformat(), "advanced_seconds": 0}))


def env_for(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of an `acme` run in ``data_dir``: fast local sandboxes, no client throttles."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TAP_", "TARGET_BRONZE_", "MELTANO_"))}
    env.update(
        {
            "ACME_DATA_DIR": str(data_dir),
            "PYTHONUNBUFFERED": "1",
            # the tiny world needs no client-side pacing (the sandboxes apply no limits either)
            "TAP_STRIPE_MAX_REQUESTS_PER_SECOND": "0",
            "TAP_ZENDESK_EXPORT_REQUESTS_PER_MINUTE": "6000",
            "TAP_ZENDESK_REQUESTS_PER_MINUTE": "60000",
            "ACME_SANDBOX_SETTINGS": json.dumps({"export_requests_per_minute": 6000, "requests_per_minute": 60000}),
        }
    )
    env.update(extra)
    return env


def acme_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "acme_orchestration.cli", "--json-logs", *args]


@dataclass
class Outcome:
    """How one `acme` process ended."""

    args: tuple[str, ...]
    returncode: int
    seconds: float
    output: str
    killed: bool = False
    #: Seconds from start to the kill (None when not killed).
    killed_after: float | None = None

    def tail(self, chars: int = 6000) -> str:
        return self.output[-chars:]


def acme(data_dir: Path, *args: str, timeout: float = 600, **env: str) -> Outcome:
    """Run `acme <args>` to completion in ``data_dir``."""
    started = time.monotonic()
    done = subprocess.run(
        acme_command(*args),
        cwd=REPO,
        env=env_for(data_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Outcome(tuple(args), done.returncode, time.monotonic() - started, done.stdout)


@dataclass
class KillPlan:
    """Kill the run's whole process group with SIGKILL ``delay`` seconds after the ``occurrence``-th
    output line containing ``marker`` (a Meltano, tap, target or dbt log line)."""

    phase: str
    marker: str
    occurrence: int = 1
    delay: float = 0.0


@dataclass
class KillOutcome(Outcome):
    plan: KillPlan | None = None
    markers_seen: int = 0
    lines: list[str] = field(default_factory=list)


def acme_killed(data_dir: Path, args: tuple[str, ...], plan: KillPlan, timeout: float = 600, **env: str) -> KillOutcome:
    """Start `acme <args>` in its own process group and SIGKILL the group at ``plan``'s point."""
    started = time.monotonic()
    process = subprocess.Popen(
        acme_command(*args),
        cwd=REPO,
        env=env_for(data_dir, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    seen = 0
    killed_at: list[float] = []

    def kill() -> None:
        if process.poll() is None:
            killed_at.append(time.monotonic() - started)
            os.killpg(process.pid, signal.SIGKILL)

    timer: threading.Timer | None = None
    deadline = threading.Timer(timeout, kill)
    deadline.start()
    for line in process.stdout:
        lines.append(line)
        if timer is None and plan.marker in line:
            seen += 1
            if seen >= plan.occurrence:
                timer = threading.Timer(plan.delay, kill)
                timer.start()
    returncode = process.wait()
    deadline.cancel()
    if timer is not None:
        timer.join()
    _reap_group(process.pid)
    return KillOutcome(
        args=args,
        returncode=returncode,
        seconds=time.monotonic() - started,
        output="".join(lines),
        killed=bool(killed_at),
        killed_after=killed_at[0] if killed_at else None,
        plan=plan,
        markers_seen=seen,
    )


def _reap_group(pgid: int) -> None:
    """Make sure nothing of a killed run's process group is left (the kernel may still be delivering)."""
    for _ in range(50):
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            return
        time.sleep(0.1)


def copy_data_dir(source: Path, target: Path) -> Path:
    """A copy of a data folder (warehouse, stage, Meltano state and system dir, dbt artifacts)."""
    shutil.copytree(source, target, symlinks=True, ignore=shutil.ignore_patterns("locks"))
    return target


Conn = duckdb.DuckDBPyConnection


def _rows(conn: Conn, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def _relations(conn: Conn) -> list[tuple[str, str]]:
    rows = _rows(
        conn,
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('silver', 'gold') order by 1, 2",
    )
    logs = set(
        _rows(
            conn,
            "select table_schema, table_name from information_schema.columns "
            "where table_schema in ('silver', 'gold') and column_name = 'run_id'",
        )
    )
    return [(s, t) for s, t in rows if not t.startswith(RUN_BOOKKEEPING) and (s, t) not in logs]


def relations(warehouse: Path) -> list[tuple[str, str]]:
    """Silver and gold relations that hold data.

    Logs of runs grow with every run by design and are left out: relations with a ``run_id``
    column (one row per run) and the bronze audit views.
    """
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return _relations(conn)


def lineage_column(name: str) -> bool:
    """Columns that say which run or file a row came from, not what the data is."""
    return name.startswith("_") or name.endswith(("run_id", "run_ids"))


def _run_time(conn: Conn, schema: str, table: str, column: str, kind: str) -> bool:
    """A timestamp column holding when a run happened (wall clock), not a time from the world.

    The test world's data ends days after its anchor; anything later is a run's own time
    (e.g. when an identity decision was made), which differs between two equal runs.
    """
    if not kind.upper().startswith("TIMESTAMP"):
        return False
    (latest,) = _rows(conn, f'select max("{column}") from "{schema}"."{table}"')[0]
    return latest is not None and latest > (ANCHOR + dt.timedelta(days=7)).replace(tzinfo=None)


def snapshot(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Rows and a content fingerprint of every silver and gold relation.

    Lineage columns (``_run_id``, ``_extracted_at``, ``_loaded_at``, ``_file_name``, ``…_run_ids``,
    run-time stamps) may move to a newer identical version; the data may not. The fingerprint is a
    sum of row hashes: equal multisets of rows give equal fingerprints.
    """
    result = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        for schema, table in _relations(conn):
            columns = [
                name
                for name, kind in _rows(
                    conn,
                    f"select column_name, data_type from information_schema.columns where table_schema = "
                    f"'{schema}' and table_name = '{table}' order by ordinal_position",
                )
                if not lineage_column(name) and not _run_time(conn, schema, table, name, kind)
            ]
            row = ", ".join(f'"{c}"' for c in columns)
            count, fingerprint = _rows(
                conn,
                f'select count(*), coalesce(sum(hash(row({row})::varchar)), 0)::varchar from "{schema}"."{table}"',
            )[0]
            result[f"{schema}.{table}"] = (count, fingerprint)
    return result


def differences(expected: dict[str, tuple[int, str]], actual: dict[str, tuple[int, str]]) -> list[str]:
    """Human-readable differences between two snapshots."""
    out = []
    for name in sorted(expected.keys() | actual.keys()):
        if expected.get(name) != actual.get(name):
            out.append(f"{name}: expected {expected.get(name)}, got {actual.get(name)}")
    return out


def duplicate_keys(warehouse: Path) -> dict[str, int]:
    """Relations with a ``_record_key`` (one row per source record) that hold a key twice."""
    found = {}
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        keyed = set(
            _rows(
                conn,
                "select table_schema, table_name from information_schema.columns "
                "where table_schema in ('silver', 'gold') and column_name = '_record_key'",
            )
        )
        for schema, table in _relations(conn):
            if (schema, table) in keyed:
                total, distinct = _rows(
                    conn, f'select count(*), count(distinct _record_key) from "{schema}"."{table}"'
                )[0]
                if total != distinct:
                    found[f"{schema}.{table}"] = total - distinct
    return found


def bronze_keys(warehouse: Path, source: str) -> dict[str, set[str]]:
    """Distinct record keys per bronze table of ``source``."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        tables = [
            t
            for (t,) in _rows(
                conn,
                "select table_name from information_schema.tables where table_schema = 'bronze' "
                f"and table_name like '{source}\\_\\_%' escape '\\'",
            )
        ]
        return {t: {k for (k,) in _rows(conn, f"select distinct _record_key from bronze.{t}")} for t in tables}


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def json_events(output: str, predicate: Callable[[dict], bool] | None = None) -> list[dict]:
    """The JSON log records of a run's output (optionally filtered)."""
    events = []
    for line in output.splitlines():
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if predicate is None or predicate(record):
            events.append(record)
    return events
