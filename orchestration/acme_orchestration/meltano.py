"""Run Meltano jobs (`<source>-delta`, `<source>-full`) the way a container task does.

Each data folder gets its own Meltano system directory (``<data dir>/meltano``: run files, the
system database with its job records, logs) whose ``extractors``/``loaders`` folders point at the
repo's shared ``.meltano`` installs. Runs in different data folders (tests, other people's
benchmarks) therefore never delete each other's config files or see each other's job records, and
plugins are installed once.

Runs pass ``--force``: Meltano refuses to start a pipeline whose state id has a job record still
marked running, which is what a run killed with SIGKILL leaves behind for up to 5 minutes (until its
heartbeat is stale). The source lock (``locks.py``) is what guarantees that no other run of the
source is active, so the check is redundant and would only turn a crash into a second failure.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from filelock import FileLock

from acme_orchestration import log
from acme_orchestration.paths import data_dir, repo_root

#: Meltano state backend of the embedded default: ``acme_orchestration.state_backend``, registered
#: under this URI scheme in orchestration/pyproject.toml (entry point group meltano.state_backends).
STATE_SCHEME = "atomic-file"

#: A plugin's traceback ends with a line like ``FooError: what went wrong``.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")
#: Plugin kinds whose installs are shared between data folders.
_SHARED_PLUGIN_DIRS = ("extractors", "loaders", "utilities", "mappers", "transformers", "orchestrators")


@dataclass(frozen=True)
class JobResult:
    """Outcome of one Meltano job run."""

    job: str
    returncode: int
    seconds: float
    #: The last error lines Meltano printed (why it failed), newest last.
    errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def reason(self) -> str:
        """One line saying why the job failed (empty when it did not)."""
        if self.ok:
            return ""
        detail = "; ".join(self.errors[-2:]) if self.errors else "see the run's log"
        return f"meltano exited {self.returncode}: {detail}"[:500]


def sys_dir() -> Path:
    """This data folder's Meltano system directory, sharing the repo's plugin installs."""
    path = data_dir() / "meltano"
    path.mkdir(parents=True, exist_ok=True)
    shared = repo_root() / ".meltano"
    for kind in _SHARED_PLUGIN_DIRS:
        link = path / kind
        if link.is_symlink() or link.exists():
            continue
        (shared / kind).mkdir(parents=True, exist_ok=True)
        link.symlink_to(shared / kind, target_is_directory=True)
    return path


def meltano_env(run_id: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a Meltano run: the run id for bronze lineage, local paths, no telemetry.

    ``extra`` wins over everything (e.g. a sandbox's API URL).
    """
    env = dict(os.environ)
    env.update(
        {
            "ACME_RUN_ID": run_id,
            "ACME_DATA_DIR": str(data_dir()),
            # the data folder of this run wins over the paths in meltano.yml (env beats file in Meltano)
            "TARGET_BRONZE_DUCKDB_PATH": str(data_dir() / "warehouse.duckdb"),
            "TARGET_BRONZE_STAGE_URL": str(data_dir() / "stage"),
            # file:// layout, written atomically: a killed run cannot leave a half-written state
            "MELTANO_STATE_BACKEND_URI": (data_dir() / "state").as_uri().replace("file:", f"{STATE_SCHEME}:", 1),
            "MELTANO_SYS_DIR_ROOT": str(sys_dir()),
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DISABLE_TRACKING": "true",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    _keep_bytecode(env)
    env.update(extra or {})
    return env


def production_env(run_id: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a run in the ``prod`` Meltano environment: paths and state come from it."""
    env = dict(os.environ)
    env.update(
        {
            "ACME_RUN_ID": run_id,
            "MELTANO_SYS_DIR_ROOT": str(sys_dir()),
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
            "MELTANO_DISABLE_TRACKING": "true",
            "MELTANO_CLI_DISABLE_VERSION_CHECK": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    _keep_bytecode(env)
    env.update(extra or {})
    return env


def _keep_bytecode(env: dict[str, str]) -> None:
    """Give Meltano, tap and target processes a bytecode cache when PYTHONDONTWRITEBYTECODE is set.

    Without one every process compiles its modules from source again, ~5 s per ``meltano run``.
    The cache lives under the repo's ``.meltano/pycache``, so nothing is written next to sources
    or into virtualenvs (what PYTHONDONTWRITEBYTECODE is usually set for).
    """
    if env.get("PYTHONDONTWRITEBYTECODE") and not env.get("PYTHONPYCACHEPREFIX"):
        del env["PYTHONDONTWRITEBYTECODE"]
        env["PYTHONPYCACHEPREFIX"] = str(repo_root() / ".meltano" / "pycache")


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


def ensure_installed(extractors: list[str], loaders: list[str], environment: str = "dev") -> None:
    """Install the plugins' virtual environments unless they exist, once per machine.

    A file lock in the shared ``.meltano`` makes concurrent runs (two ``acme`` commands, parallel
    test workers) wait for one install instead of building the same virtualenv at the same time.
    """
    if installed(extractors, loaders):
        return
    shared = repo_root() / ".meltano"
    shared.mkdir(parents=True, exist_ok=True)
    with FileLock(str(shared / "install.lock")):
        if not installed(extractors, loaders):
            install(environment)


def installed(extractors: list[str], loaders: list[str]) -> bool:
    """Whether the plugins' virtual environments exist (``meltano run`` installs missing ones itself)."""
    shared = repo_root() / ".meltano"
    wanted = [shared / "extractors" / e / "venv" for e in extractors] + [
        shared / "loaders" / t / "venv" for t in loaders
    ]
    return all(path.exists() for path in wanted)


def _render(record: dict[str, Any]) -> str:
    if log.is_json():
        return json.dumps(record, default=str)
    extra = " ".join(f"{k}={record[k]}" for k in ("run_id", "source", "job") if k in record)
    plugin = record.get("name") or "meltano"
    return (
        f"{record.get('timestamp', '')} [{record.get('level', 'info'):<7}] {plugin} {record.get('event', '')} {extra}"
    )


def _relay(stream: IO[str], context: dict[str, Any], errors: list[str]) -> None:
    """Re-emit Meltano's JSON log lines on stderr with the run's context (run_id, source, job)."""
    for line in stream:
        text = line.rstrip("\n")
        if not text:
            continue
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if not isinstance(record, dict):
            record = {"event": text}
        event = str(record.get("event", ""))
        level = str(record.get("level", "info")).lower()
        if _EXCEPTION_LINE.match(event) or (level in {"error", "critical"} and "completed" not in event):
            errors.append(f"{record.get('name') or 'meltano'}: {event}"[:300])
            del errors[:-5]
        record = {**record, **{k: v for k, v in context.items() if k not in record}}
        sys.stderr.write(_render(record) + "\n")
        sys.stderr.flush()


def run(
    args: Sequence[str],
    *,
    run_id: str,
    label: str,
    source: str,
    environment: str = "dev",
    extra_env: dict[str, str] | None = None,
) -> JobResult:
    """``meltano --environment <env> run --force <args>``; its log lines carry run_id/source/job."""
    logger = log.get("meltano").bind(job=label, run_id=run_id, source=source, environment=environment)
    logger.info("job started", args=list(args))
    env = meltano_env(run_id, extra_env) if environment == "dev" else production_env(run_id, extra_env)
    started = time.monotonic()
    errors: list[str] = []
    with subprocess.Popen(
        [*meltano_command(), "--environment", environment, "--log-format", "json", "run", "--force", *args],
        cwd=repo_root(),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        relay = threading.Thread(
            target=_relay,
            args=(process.stdout, {"run_id": run_id, "source": source, "job": label}, errors),
            daemon=True,
        )
        relay.start()
        returncode = process.wait()
        relay.join(timeout=10)
    result = JobResult(job=label, returncode=returncode, seconds=time.monotonic() - started, errors=tuple(errors))
    (logger.info if result.ok else logger.error)(
        "job finished", returncode=result.returncode, seconds=round(result.seconds, 1), reason=result.reason or None
    )
    return result


def run_job(job: str, run_id: str, environment: str = "dev", extra_env: dict[str, str] | None = None) -> JobResult:
    """`meltano run <job>`; Meltano keeps each job's state, so reruns continue where they stopped."""
    source = job.rsplit("-", 1)[0]
    return run([job], run_id=run_id, label=job, source=source, environment=environment, extra_env=extra_env)
