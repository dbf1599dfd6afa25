"""Sources, their Meltano jobs and schedules, discovered from ``sources/*/meltano.yml``.

Nothing here names a source: a source generated from the template (or written by hand) with a
``meltano.yml`` under ``sources/<name>/`` is picked up as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

from acme_orchestration.paths import repo_root

Mode = Literal["delta", "full"]


@dataclass(frozen=True)
class JobSpec:
    """A Meltano job of a source (``<source>-delta`` or ``<source>-full``)."""

    name: str
    source: str
    mode: Mode
    #: ``extractor loader`` pairs of the job's tasks, e.g. ``("tap-stripe", "target-bronze")``.
    tasks: tuple[tuple[str, str], ...]

    @property
    def extractor(self) -> str:
        return self.tasks[0][0]

    @property
    def loader(self) -> str:
        return self.tasks[0][1]


@dataclass(frozen=True)
class ScheduleSpec:
    """A Meltano schedule: run ``job`` on ``interval`` (``@hourly``, ``@daily`` or a cron string)."""

    name: str
    source: str
    job: str
    interval: str


@dataclass(frozen=True)
class SourceSpec:
    """One source: its jobs, schedules and the settings its extractor declares."""

    name: str
    meltano_file: Path
    jobs: tuple[JobSpec, ...]
    schedules: tuple[ScheduleSpec, ...]
    #: extractor name -> declared setting names (inherited ones included)
    extractor_settings: dict[str, frozenset[str]]

    def job(self, mode: Mode) -> JobSpec:
        """The source's job for ``mode``."""
        for job in self.jobs:
            if job.mode == mode:
                return job
        msg = f"source {self.name!r} has no {mode} job in {self.meltano_file}"
        raise KeyError(msg)

    @property
    def delta_extractor(self) -> str:
        """The extractor of the delta job (the one replays run with their own settings)."""
        return self.job("delta").extractor

    def declares(self, extractor: str, setting: str) -> bool:
        """Whether ``extractor`` declares ``setting`` (Meltano passes only declared settings from env)."""
        return setting in self.extractor_settings.get(extractor, frozenset())


def _mode(job_name: str, source: str, extractor_config: dict[str, Any]) -> Mode:
    if extractor_config.get("full_reload") or job_name.endswith("-full"):
        return "full"
    if job_name.endswith("-delta"):
        return "delta"
    msg = f"source {source!r}: cannot tell whether job {job_name!r} is a delta or a full job"
    raise ValueError(msg)


def _tasks(job: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for task in job.get("tasks") or []:
        words = str(task).split()
        if len(words) >= 2:
            pairs.append((words[0], words[1]))
    return tuple(pairs)


def _extractor_settings(
    extractors: list[dict[str, Any]],
) -> tuple[dict[str, frozenset[str]], dict[str, dict[str, Any]]]:
    by_name = {str(e["name"]): e for e in extractors}
    settings: dict[str, frozenset[str]] = {}
    configs: dict[str, dict[str, Any]] = {}
    for name, extractor in by_name.items():
        names: set[str] = set()
        config: dict[str, Any] = {}
        current: dict[str, Any] | None = extractor
        seen: set[str] = set()
        while current is not None and str(current["name"]) not in seen:
            seen.add(str(current["name"]))
            names.update(str(s["name"]) for s in current.get("settings") or [])
            config = {**(current.get("config") or {}), **config}
            parent = current.get("inherit_from")
            current = by_name.get(str(parent)) if parent else None
        settings[name] = frozenset(names)
        configs[name] = config
    return settings, configs


def load_source(meltano_file: Path) -> SourceSpec:
    """Read one ``sources/<name>/meltano.yml``."""
    source = meltano_file.parent.name
    raw = yaml.safe_load(meltano_file.read_text()) or {}
    extractors = list((raw.get("plugins") or {}).get("extractors") or [])
    settings, configs = _extractor_settings(extractors)
    jobs = []
    for job in raw.get("jobs") or []:
        tasks = _tasks(job)
        if not tasks:
            continue
        jobs.append(
            JobSpec(str(job["name"]), source, _mode(str(job["name"]), source, configs.get(tasks[0][0], {})), tasks)
        )
    schedules = tuple(
        ScheduleSpec(str(s["name"]), source, str(s["job"]), str(s["interval"]))
        for s in raw.get("schedules") or []
        if s.get("job") and s.get("interval")
    )
    return SourceSpec(source, meltano_file, tuple(jobs), schedules, settings)


@cache
def _discover(root: Path) -> tuple[SourceSpec, ...]:
    return tuple(load_source(path) for path in sorted((root / "sources").glob("*/meltano.yml")))


def discover() -> tuple[SourceSpec, ...]:
    """Every source of the repo, sorted by name."""
    return _discover(repo_root())


def source(name: str) -> SourceSpec:
    """The source called ``name``."""
    for spec in discover():
        if spec.name == name:
            return spec
    known = ", ".join(s.name for s in discover())
    msg = f"unknown source {name!r} (sources: {known})"
    raise KeyError(msg)


def plugins(names: list[str]) -> tuple[list[str], list[str]]:
    """The extractors (inheriting ones by their parent's install) and loaders the sources' jobs run."""
    specs = [source(name) for name in names]
    extractors = sorted({job.extractor.split("--")[0] for spec in specs for job in spec.jobs})
    loaders = sorted({job.loader for spec in specs for job in spec.jobs})
    return extractors, loaders


def job(name: str) -> JobSpec:
    """The job called ``name`` (e.g. ``stripe-delta``), from whichever source defines it."""
    for spec in discover():
        for candidate in spec.jobs:
            if candidate.name == name:
                return candidate
    known = ", ".join(j.name for s in discover() for j in s.jobs)
    msg = f"unknown job {name!r} (jobs: {known})"
    raise KeyError(msg)


def schedules() -> tuple[ScheduleSpec, ...]:
    """Every schedule of every source."""
    return tuple(schedule for spec in discover() for schedule in spec.schedules)
