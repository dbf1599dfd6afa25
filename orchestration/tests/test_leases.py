"""Production source locks (DynamoDB leases) against moto's DynamoDB: exclusion, expiry, ownership."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from acme_orchestration import leases, locks
from moto import mock_aws

TABLE = "acme-cdp-locks"


@pytest.fixture
def dynamodb(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A moto DynamoDB with the lock table as the platform creates it (key ``lock``)."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client = boto3.client("dynamodb")
        client.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "lock", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "lock", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def test_a_second_run_waits_until_the_first_releases(dynamodb: Any) -> None:
    order: list[str] = []
    first_in = threading.Event()

    def first() -> None:
        with leases.held("source-stripe", TABLE, run_id="run-1", client=dynamodb, poll_seconds=0.05):
            order.append("first in")
            first_in.set()
            time.sleep(0.5)
            order.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with leases.held("source-stripe", TABLE, run_id="run-2", client=dynamodb, poll_seconds=0.05) as lease:
        order.append("second in")
        assert lease.holder() == "run-2"
    thread.join()
    assert order == ["first in", "first out", "second in"]
    assert leases.Lease(dynamodb, TABLE, "source-stripe", "x").holder() is None  # released


def test_a_busy_lock_times_out_naming_its_holder(dynamodb: Any) -> None:
    with leases.held("source-zendesk", TABLE, run_id="hourly-delta", client=dynamodb):
        busy = leases.held("source-zendesk", TABLE, 0.2, run_id="daily-full", client=dynamodb, poll_seconds=0.05)
        with pytest.raises(locks.LockTimeoutError, match="hourly-delta"), busy:
            pass
        # other sources are not blocked
        with leases.held("source-stripe", TABLE, 0.2, run_id="daily-full", client=dynamodb):
            pass


def test_a_dead_holder_frees_the_lock_when_its_lease_runs_out(dynamodb: Any) -> None:
    now = [1_000_000.0]
    dead = leases.Lease(dynamodb, TABLE, "source-stripe", "killed-run", lease_seconds=60, clock=lambda: now[0])
    assert dead.try_acquire()  # and then the task is killed: nobody renews
    alive = leases.Lease(dynamodb, TABLE, "source-stripe", "next-run", lease_seconds=60, clock=lambda: now[0])
    assert not alive.try_acquire()
    now[0] += 61
    assert alive.try_acquire()
    assert alive.holder() == "next-run"
    # the killed run, should it come back, has lost the lock and cannot release someone else's
    assert not dead.renew()
    assert dead.lost.is_set()
    dead.release()
    assert alive.holder() == "next-run"


def test_the_lease_is_renewed_while_the_run_works(dynamodb: Any) -> None:
    with leases.held("source-stripe", TABLE, run_id="long-run", client=dynamodb, lease_seconds=3) as lease:
        first = int(dynamodb.get_item(TableName=TABLE, Key={"lock": {"S": "source-stripe"}})["Item"]["expires_at"]["N"])
        time.sleep(2.2)
        later = int(dynamodb.get_item(TableName=TABLE, Key={"lock": {"S": "source-stripe"}})["Item"]["expires_at"]["N"])
        assert later > first
        assert not lease.lost.is_set()


def test_source_locks_use_the_table_when_the_platform_names_it(
    dynamodb: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ACME_DATA_DIR", str(tmp_path))
    monkeypatch.setenv(leases.TABLE_ENV, TABLE)
    with locks.source_lock("salesforce", run_id="run-7"):
        item = dynamodb.get_item(TableName=TABLE, Key={"lock": {"S": "source-salesforce"}})["Item"]
        assert item["owner"]["S"] == "run-7"
        assert not (tmp_path / "locks").exists() or not list((tmp_path / "locks").iterdir())
    assert "Item" not in dynamodb.get_item(TableName=TABLE, Key={"lock": {"S": "source-salesforce"}})
