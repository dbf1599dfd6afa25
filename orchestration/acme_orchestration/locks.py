"""Locks that keep runs from running over each other.

* **Source lock** (``source:<name>``): held for a whole job of that source (extract, load, its dbt
  work), by ``acme run``, ``acme replay`` and the main job. The hourly delta and the daily full job
  of a source therefore never overlap; a second run waits for the first (``--lock-timeout``).
* **Warehouse lock**: only on the embedded default. DuckDB lets one process write a database file at
  a time, so every step that writes the file (a Meltano load, dbt, the status tables) holds it.
  Always taken after the source lock, never the other way round (no deadlock).

Locally both are ``fcntl``/``flock`` file locks (``filelock``) under ``<data dir>/locks/``: the
kernel drops them when the holder dies, so a run killed with SIGKILL never leaves a stale lock.

In production (ECS tasks on different hosts share no file system) ``ACME_LOCK_TABLE`` names a
DynamoDB table and the same names are items there, each holding a lease the run renews while it
works (``leases.py``); a task that dies stops renewing and its lease expires. Snowflake needs no
warehouse lock.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from acme_orchestration import leases, log
from acme_orchestration.leases import LockTimeoutError
from acme_orchestration.paths import data_dir


def lock_dir() -> Path:
    path = data_dir() / "locks"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def held(name: str, timeout: float | None = None, run_id: str | None = None) -> Iterator[float]:
    """Hold lock ``name`` (e.g. ``source-stripe``); yields the seconds spent waiting.

    ``timeout`` None waits for ever; raises :class:`LockTimeoutError` when it runs out.
    """
    if table := os.environ.get(leases.TABLE_ENV):
        started = time.monotonic()
        with leases.held(name, table, timeout, run_id):
            yield time.monotonic() - started
        return
    logger = log.get("locks").bind(lock=name, run_id=run_id)
    lock = FileLock(str(lock_dir() / f"{name}.lock"), thread_local=False)
    started = time.monotonic()
    try:
        lock.acquire(timeout=-1 if timeout is None else timeout, poll_interval=0.1)
    except Timeout as exc:
        msg = f"lock {name!r} still held by another run after {timeout:.0f} s"
        raise LockTimeoutError(msg) from exc
    waited = time.monotonic() - started
    logger.info("lock acquired", waited_seconds=round(waited, 2))
    try:
        yield waited
    finally:
        lock.release()
        logger.info("lock released")


def source_lock(
    source: str, timeout: float | None = None, run_id: str | None = None
) -> contextlib.AbstractContextManager[float]:
    """The lock one source's jobs share."""
    return held(f"source-{source}", timeout, run_id)


@contextlib.contextmanager
def warehouse_lock(target: str, run_id: str | None = None) -> Iterator[None]:
    """Serialise writers of the local DuckDB file; a no-op on other targets."""
    if target != "duckdb":
        yield
        return
    with held("warehouse-duckdb", None, run_id):
        yield
