"""Source locks in production: DynamoDB items holding a lease that the run renews while it works.

ECS tasks on different hosts share no file system, so ``locks.held`` takes the lock here when
``ACME_LOCK_TABLE`` names the lock table (the platform creates it and sets the variable):

* **acquire**: a conditional put of item ``lock = <name>`` that succeeds only when no item exists or
  its lease has run out (``expires_at < now``); otherwise wait and try again until the timeout;
* **renew**: every third of the lease a background thread moves ``expires_at`` forward, on the
  condition that the item still names this run as owner; a task that dies stops renewing, so its
  lock frees itself when the lease runs out (the equivalent of the kernel dropping a dead process's
  ``flock`` locally);
* **release**: delete the item, again only if this run still owns it.

A renewal that finds the item owned by someone else (the lease ran out while the run was stalled)
is logged as an error and the lease is marked lost: :attr:`Lease.lost` tells the holder.
``expires_at`` is also the table's TTL attribute, so abandoned items are deleted by DynamoDB.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from acme_orchestration import log

#: The environment variable that switches source locks to DynamoDB.
TABLE_ENV = "ACME_LOCK_TABLE"
DEFAULT_LEASE_SECONDS = 120.0


class LockTimeoutError(RuntimeError):
    """A lock was not free within the allowed time."""


def default_client() -> Any:
    """A DynamoDB client for the task's region and credentials (boto3's usual lookup)."""
    import boto3

    return boto3.client("dynamodb")


@dataclass
class Lease:
    """One lock item: ``lock`` (name), ``owner`` (run id), ``expires_at`` (epoch seconds)."""

    client: Any
    table: str
    name: str
    owner: str
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    clock: Callable[[], float] = time.time
    #: Set when a renewal found the lock owned by another run.
    lost: threading.Event = field(default_factory=threading.Event)

    def try_acquire(self) -> bool:
        """Take the lock if it is free or its lease has run out."""
        now = self.clock()
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "lock": {"S": self.name},
                    "owner": {"S": self.owner},
                    "expires_at": {"N": str(int(now + self.lease_seconds))},
                    "acquired_at": {"S": dt.datetime.fromtimestamp(now, dt.UTC).isoformat()},
                },
                ConditionExpression="attribute_not_exists(#lock) OR expires_at < :now",
                ExpressionAttributeNames={"#lock": "lock"},
                ExpressionAttributeValues={":now": {"N": str(int(now))}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def renew(self) -> bool:
        """Move the lease forward; False (and :attr:`lost` set) when another run owns the lock now."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key={"lock": {"S": self.name}},
                UpdateExpression="SET expires_at = :expires",
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={
                    ":expires": {"N": str(int(self.clock() + self.lease_seconds))},
                    ":me": {"S": self.owner},
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            self.lost.set()
            return False
        return True

    def release(self) -> None:
        """Delete the item if this run still owns it."""
        with contextlib.suppress(self.client.exceptions.ConditionalCheckFailedException):
            self.client.delete_item(
                TableName=self.table,
                Key={"lock": {"S": self.name}},
                ConditionExpression="#owner = :me",
                ExpressionAttributeNames={"#owner": "owner"},
                ExpressionAttributeValues={":me": {"S": self.owner}},
            )

    def holder(self) -> str | None:
        """Owner of the lock item, if any (expired or not)."""
        item = self.client.get_item(TableName=self.table, Key={"lock": {"S": self.name}}, ConsistentRead=True)
        owner = (item.get("Item") or {}).get("owner")
        return None if owner is None else str(owner["S"])


def default_owner(run_id: str | None) -> str:
    """Who holds a lock: the run id, else host and process."""
    return run_id or f"{socket.gethostname()}:{os.getpid()}"


@contextlib.contextmanager
def held(
    name: str,
    table: str,
    timeout: float | None = None,
    run_id: str | None = None,
    *,
    client: Any = None,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
    poll_seconds: float = 2.0,
) -> Iterator[Lease]:
    """Hold DynamoDB lock ``name`` in ``table`` for the block, renewing its lease in the background.

    ``timeout`` None waits for ever; raises :class:`LockTimeoutError` when it runs out.
    """
    lease = Lease(client or default_client(), table, name, default_owner(run_id), lease_seconds)
    logger = log.get("locks").bind(lock=name, run_id=run_id, table=table)
    started = time.monotonic()
    while not lease.try_acquire():
        if timeout is not None and time.monotonic() - started >= timeout:
            msg = f"lock {name!r} in table {table!r} still held by {lease.holder()!r} after {timeout:.0f} s"
            raise LockTimeoutError(msg)
        time.sleep(poll_seconds)
    logger.info("lock acquired", waited_seconds=round(time.monotonic() - started, 2), lease_seconds=lease_seconds)
    stop = threading.Event()

    def keep_renewing() -> None:
        while not stop.wait(lease_seconds / 3):
            if not lease.renew():
                logger.error("lock lease lost: another run owns it now", holder=lease.holder())
                return

    renewer = threading.Thread(target=keep_renewing, name=f"lease-{name}", daemon=True)
    renewer.start()
    try:
        yield lease
    finally:
        stop.set()
        renewer.join()
        lease.release()
        logger.info("lock released")
