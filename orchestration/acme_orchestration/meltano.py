"""Run Meltano jobs (`<source>-delta`, `<source>-full`) the way a container task does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass

from acme_orchestration import log
from acme_orchestration.paths import data_dir, repo_root


@dataclass(frozen=True)
class JobResult:
    """Outcome of one Meltano job run."""

    job: str
    returncode: int
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def meltano_env(run_id: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a Meltano run: the run id for bronze lineage, local paths, no telemetry."""
    env = dict(os.environ)
    env.update(
        {
            "ACME_RUN_ID": run_id,
            "ACME_DATA_DIR": str(data_dir()),
            # the data folder of this run wins over the paths in meltano.yml (env beats file in Meltano)
            "TARGET_BRONZE_DUCKDB_PATH": str(data_dir() / "warehouse.duckdb"),
            "TARGET_BRONZE_STAGE_URL": str(data_dir() / "stage"),
            "MELTANO_STATE_BACKEND_URI": (data_dir() / "state").as_uri(),
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DISABLE_TRACKING": "true",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def meltano_command() -> list[str]:
    """The meltano executable of this environment."""
    return [os.path.join(os.path.dirname(sys.executable), "meltano")]


def install(environment: str = "dev") -> None:
    """Install the plugins' virtual environments (idempotent; uv makes it quick)."""
    subprocess.run(
        [*meltano_command(), "--environment", environment, "install"],
        cwd=repo_root(),
        env=meltano_env("install"),
        check=True,
    )


def run_job(job: str, run_id: str, environment: str = "dev", extra_env: dict[str, str] | None = None) -> JobResult:
    """`meltano run <job>`; Meltano keeps each job's state, so reruns continue where they stopped."""
    logger = log.get("meltano").bind(job=job, run_id=run_id, environment=environment)
    logger.info("job started")
    started = time.monotonic()
    completed = subprocess.run(
        [*meltano_command(), "--environment", environment, "run", job],
        cwd=repo_root(),
        env=meltano_env(run_id, extra_env),
        check=False,
    )
    result = JobResult(job=job, returncode=completed.returncode, seconds=time.monotonic() - started)
    (logger.info if result.ok else logger.error)(
        "job finished", returncode=result.returncode, seconds=round(result.seconds, 1)
    )
    return result
