"""Shared data folders: every scenario starts from a copy, so the expensive runs happen once.

* ``base``: Salesforce and Zendesk loaded and built, Stripe never loaded.
* ``clean``: ``base`` plus one uninterrupted ``acme run stripe-delta``: the reference every crash
  and idempotency scenario must end equal to.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.orchestration.harness import acme, copy_data_dir, pin_world, snapshot


@dataclass(frozen=True)
class DataDir:
    path: Path
    #: Silver and gold content (empty when nobody compares against this folder).
    snapshot: dict[str, tuple[int, str]]
    #: Output of the run that made it.
    output: str = ""

    @property
    def warehouse(self) -> Path:
        return self.path / "warehouse.duckdb"


@pytest.fixture(scope="session")
def base_dir(tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    path = tmp_path_factory.mktemp("orchestration-base")
    pin_world(path)
    run = acme(path, "run", "salesforce-delta", "zendesk-delta")
    if run.returncode != 0:
        pytest.fail(f"loading Salesforce and Zendesk failed ({run.returncode}):\n{run.tail()}")
    return DataDir(path, {}, run.output)


@pytest.fixture(scope="session")
def clean_dir(base_dir: DataDir, tmp_path_factory: pytest.TempPathFactory) -> DataDir:
    path = copy_data_dir(base_dir.path, tmp_path_factory.mktemp("orchestration-clean") / "data")
    run = acme(path, "run", "stripe-delta")
    if run.returncode != 0:
        pytest.fail(f"the clean stripe-delta run failed ({run.returncode}):\n{run.tail()}")
    return DataDir(path, snapshot(path / "warehouse.duckdb"), run.output)


@pytest.fixture
def fresh_copy(tmp_path: Path):
    """Copy a prepared data folder into this test's temporary folder."""

    def copy(source: DataDir, name: str = "data") -> Path:
        return copy_data_dir(source.path, tmp_path / name)

    return copy
