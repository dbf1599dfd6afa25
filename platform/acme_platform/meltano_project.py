"""Read the sources and their schedules from ``sources/*/meltano.yml``.

This is what makes the infrastructure configuration-driven: a source generated from the
template (a folder with a ``meltano.yml``) gets its ECR repository, task definition,
roles, secrets and schedules on the next ``pulumi up`` without code changes.

Only what the platform needs is read:

* ``schedules:`` entries with ``name``, ``interval``, ``job`` and optional ``env``
  (Meltano *job* schedules; legacy ``extractor``/``loader`` schedules are rejected with a
  clear message because the containers run ``meltano run <job>``);
* ``jobs:`` names, to check that every schedule points at a job that exists;
* plugin settings marked ``sensitive: true`` (or the older ``kind: password``), which
  become ECS ``secrets`` injected from Secrets Manager (extractor settings from the
  source's ``extractor`` secret, loader settings from its ``loader`` secret).

In this repo a source's ``meltano.yml`` is included by the root ``meltano.yml`` (one Meltano
project, ``include_paths: ./sources/*/meltano.yml``); the root defines the shared loader and
the ``prod`` environment. From the root the platform also reads the loaders' sensitive
settings and every ``${VAR}`` that the prod environment's plugin config expects, so that the
task definition provides exactly the variables the image needs. A standalone source project
(with its own ``include_paths``) works too: those files are merged the way Meltano does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

#: Source folder names become S3 prefixes, ECS families and IAM names: keep them tame.
SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,29}$")
SCHEDULE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$")
_ENV_UNSAFE = re.compile(r"[^A-Z0-9_]")
_ENV_REFERENCE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?")

PLUGIN_SECRET_KIND = {"extractors": "extractor", "loaders": "loader"}


class MeltanoProjectError(ValueError):
    """A ``meltano.yml`` the platform cannot turn into infrastructure."""


@dataclass(frozen=True)
class MeltanoSchedule:
    """One ``schedules:`` entry of a source's ``meltano.yml``."""

    name: str
    interval: str
    job: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SensitiveSetting:
    """A plugin setting whose value must come from Secrets Manager."""

    plugin: str
    secret_kind: str  # "extractor" or "loader": which of the source's secrets holds it
    setting: str  # also the JSON key inside that secret
    env_var: str  # how Meltano reads it from the environment


@dataclass(frozen=True)
class EnvReference:
    """An environment variable the Meltano config expects (``${SNOWFLAKE_USER}``).

    ``origin`` says where it comes from when the platform does not set it itself:
    ``extractor``/``loader`` (a JSON key of that secret, named like the variable) or
    ``environment`` (an ``env:`` entry of the Meltano environment).
    """

    name: str
    origin: str
    plugin: str | None = None


@dataclass(frozen=True)
class RootProject:
    """What the root Meltano project contributes to every source."""

    meltano_yml: Path | None = None
    sensitive_settings: tuple[SensitiveSetting, ...] = ()
    env_references: tuple[EnvReference, ...] = ()


@dataclass(frozen=True)
class SourceProject:
    """A source (folder under ``sources/``) as the platform sees it."""

    name: str
    meltano_yml: Path
    jobs: tuple[str, ...]
    schedules: tuple[MeltanoSchedule, ...]
    sensitive_settings: tuple[SensitiveSetting, ...] = ()
    extractors: tuple[str, ...] = ()
    env_references: tuple[EnvReference, ...] = ()

    def settings_for(self, secret_kind: str) -> tuple[SensitiveSetting, ...]:
        return tuple(s for s in self.sensitive_settings if s.secret_kind == secret_kind)

    def references_for(self, secret_kind: str) -> tuple[EnvReference, ...]:
        return tuple(r for r in self.env_references if r.origin == secret_kind)


def discover_sources(sources_dir: Path, environment: str = "prod") -> tuple[SourceProject, ...]:
    """Every ``<sources_dir>/<name>/meltano.yml``, sorted by name, completed with what the
    root project (``<sources_dir>/../meltano.yml``, if any) defines for ``environment``.

    A missing directory yields no sources (a fresh checkout still previews).
    """
    if not sources_dir.is_dir():
        return ()
    root_file = sources_dir.parent / "meltano.yml"
    root = load_root_project(root_file, environment) if root_file.is_file() else RootProject()
    return tuple(load_source_project(p, root) for p in sorted(sources_dir.glob("*/meltano.yml")))


def load_root_project(meltano_yml: Path, environment: str = "prod") -> RootProject:
    """Loader settings and ``${VAR}`` references of the root project's ``environment``.

    Only the root's own plugins are read (not its ``include_paths``: those are the sources).
    """
    document = _read_yaml(meltano_yml)
    plugins = document.get("plugins") or {}
    loaders = {"loaders": plugins.get("loaders") or []}
    references: dict[str, EnvReference] = {}

    def collect(value: Any, kind: str, plugin: str | None) -> None:
        for name in _references(value):
            references.setdefault(name, EnvReference(name, kind, plugin))

    for plugin_type, kind in PLUGIN_SECRET_KIND.items():
        for plugin in plugins.get(plugin_type) or []:
            if isinstance(plugin, dict):
                collect(plugin.get("config"), kind, plugin.get("name"))
    for env in document.get("environments") or []:
        if not isinstance(env, dict) or env.get("name") != environment:
            continue
        env_plugins = (env.get("config") or {}).get("plugins") or {}
        for plugin_type, kind in PLUGIN_SECRET_KIND.items():
            for plugin in env_plugins.get(plugin_type) or []:
                if isinstance(plugin, dict):
                    collect(plugin.get("config"), kind, plugin.get("name"))
        collect(env.get("env"), "environment", None)
    return RootProject(
        meltano_yml=meltano_yml,
        sensitive_settings=tuple(_sensitive_settings(loaders, meltano_yml)),
        env_references=tuple(references.values()),
    )


def load_source_project(meltano_yml: Path, root: RootProject | None = None) -> SourceProject:
    """Parse one ``meltano.yml`` (plus its ``include_paths``), completed by ``root``."""
    name = meltano_yml.parent.name
    if not SOURCE_NAME.match(name):
        raise MeltanoProjectError(f"{meltano_yml}: source folder name {name!r} must match {SOURCE_NAME.pattern}")
    document = _merged_document(meltano_yml)
    jobs = tuple(_job_names(document.get("jobs"), meltano_yml))
    schedules = tuple(_schedules(document.get("schedules"), set(jobs), meltano_yml))
    plugins = document.get("plugins") or {}
    extractors = tuple(
        str(p["name"])
        for p in (plugins.get("extractors") or [] if isinstance(plugins, dict) else [])
        if isinstance(p, dict) and isinstance(p.get("name"), str)
    )
    root = root or RootProject()
    settings: dict[str, SensitiveSetting] = {}
    for setting in (*_sensitive_settings(plugins, meltano_yml), *root.sensitive_settings):
        settings.setdefault(setting.env_var, setting)
    references = tuple(
        ref
        for ref in root.env_references
        # a root-level extractor config only concerns the source that owns the extractor
        if ref.origin != "extractor" or ref.plugin is None or ref.plugin in extractors
    )
    return SourceProject(
        name=name,
        meltano_yml=meltano_yml,
        jobs=jobs,
        schedules=schedules,
        sensitive_settings=tuple(settings.values()),
        extractors=extractors,
        env_references=references,
    )


def meltano_env_var(plugin: str, setting: str) -> str:
    """Meltano's environment variable for a plugin setting (``TAP_STRIPE_API_KEY``)."""
    return _ENV_UNSAFE.sub("_", f"{plugin}_{setting}".upper())


def _references(value: Any) -> list[str]:
    """``${VAR}``/``$VAR`` names in a config value (nested), except Meltano's own."""
    if isinstance(value, dict):
        return [name for v in value.values() for name in _references(v)]
    if isinstance(value, list):
        return [name for v in value for name in _references(v)]
    if isinstance(value, str):
        return [n for n in _ENV_REFERENCE.findall(value) if not n.startswith("MELTANO_")]
    return []


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise MeltanoProjectError(f"{path}: invalid YAML: {exc}") from exc
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise MeltanoProjectError(f"{path}: expected a mapping at the top level")
    return loaded


def _merged_document(meltano_yml: Path) -> dict[str, Any]:
    document = _read_yaml(meltano_yml)
    includes = document.get("include_paths") or []
    if not isinstance(includes, list):
        raise MeltanoProjectError(f"{meltano_yml}: include_paths must be a list")
    for pattern in includes:
        for included in sorted(meltano_yml.parent.glob(str(pattern))):
            extra = _read_yaml(included)
            for key in ("schedules", "jobs"):
                document[key] = [*(document.get(key) or []), *(extra.get(key) or [])]
            plugins = dict(document.get("plugins") or {})
            for kind, entries in (extra.get("plugins") or {}).items():
                plugins[kind] = [*(plugins.get(kind) or []), *(entries or [])]
            document["plugins"] = plugins
    return document


def _job_names(raw: Any, path: Path) -> Iterable[str]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise MeltanoProjectError(f"{path}: jobs must be a list")
    names = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise MeltanoProjectError(f"{path}: every job needs a name")
        names.append(entry["name"])
    return names


def _schedules(raw: Any, jobs: set[str], path: Path) -> Iterable[MeltanoSchedule]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise MeltanoProjectError(f"{path}: schedules must be a list")
    seen: set[str] = set()
    result = []
    for entry in raw:
        if not isinstance(entry, dict):
            raise MeltanoProjectError(f"{path}: schedule entries must be mappings")
        name = entry.get("name")
        if not isinstance(name, str) or not SCHEDULE_NAME.match(name):
            raise MeltanoProjectError(f"{path}: schedule name {name!r} must match {SCHEDULE_NAME.pattern}")
        if name in seen:
            raise MeltanoProjectError(f"{path}: duplicate schedule {name!r}")
        seen.add(name)
        job = entry.get("job")
        if not isinstance(job, str):
            raise MeltanoProjectError(
                f"{path}: schedule {name!r} has no 'job'; only job schedules are supported "
                "(containers run `meltano run <job>`): define a job and point the schedule at it"
            )
        if jobs and job not in jobs:
            raise MeltanoProjectError(f"{path}: schedule {name!r} runs unknown job {job!r}")
        interval = entry.get("interval")
        if not isinstance(interval, str) or not interval.strip():
            raise MeltanoProjectError(f"{path}: schedule {name!r} needs an interval")
        env = entry.get("env") or {}
        if not isinstance(env, dict):
            raise MeltanoProjectError(f"{path}: schedule {name!r} env must be a mapping")
        result.append(
            MeltanoSchedule(
                name=name,
                interval=interval.strip(),
                job=job,
                env={str(k): str(v) for k, v in env.items()},
            )
        )
    return result


def _sensitive_settings(raw: Any, path: Path) -> Iterable[SensitiveSetting]:
    if not raw:
        return []
    if not isinstance(raw, dict):
        raise MeltanoProjectError(f"{path}: plugins must be a mapping")
    found: list[SensitiveSetting] = []
    for plugin_type, secret_kind in PLUGIN_SECRET_KIND.items():
        for plugin in raw.get(plugin_type) or []:
            if not isinstance(plugin, dict) or not isinstance(plugin.get("name"), str):
                continue
            for setting in plugin.get("settings") or []:
                if not isinstance(setting, dict) or not isinstance(setting.get("name"), str):
                    continue
                sensitive = setting.get("sensitive") is True or setting.get("kind") == "password"
                if not sensitive:
                    continue
                env_var = setting.get("env") or meltano_env_var(plugin["name"], setting["name"])
                found.append(
                    SensitiveSetting(
                        plugin=plugin["name"],
                        secret_kind=secret_kind,
                        setting=setting["name"],
                        env_var=str(env_var),
                    )
                )
    return found
