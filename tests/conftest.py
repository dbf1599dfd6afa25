"""Shared fixtures: the whole pipeline run once per test session on a small world."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ACME = str(Path(sys.executable).with_name("acme"))

#: The world every end-to-end test uses: small, but with every kind of Stripe behaviour in it.
E2E_SEED = 7
E2E_SCALE = 0.005


@dataclass
class PipelineRun:
    """One `acme main` run in a private data folder."""

    data_dir: Path
    returncode: int
    stdout: str
    stderr: str

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def truth_dir(self) -> Path:
        return self.data_dir / "world" / "truth"


def run_main(data_dir: Path, *args: str, timeout: int = 1200) -> PipelineRun:
    """Run the main job as a user would, with its data in ``data_dir``."""
    env = {**os.environ, "ACME_DATA_DIR": str(data_dir)}
    result = subprocess.run(
        [ACME, "--json-logs", "main", "--seed", str(E2E_SEED), "--scale", str(E2E_SCALE), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return PipelineRun(data_dir, result.returncode, result.stdout, result.stderr)


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """The main job, run once from an empty data folder."""
    run = run_main(tmp_path_factory.mktemp("pipeline"))
    if run.returncode != 0:
        pytest.fail(f"acme main failed ({run.returncode}):\n{run.stdout[-3000:]}\n{run.stderr[-8000:]}")
    return run
