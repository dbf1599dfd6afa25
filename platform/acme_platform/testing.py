"""Test support: Pulumi mocks that record every resource, and a tiny IAM evaluator.

Used by ``platform/tests`` (kept in the package so tests can import it with pytest's
``--import-mode=importlib``). Nothing here talks to AWS.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pulumi
import yaml

from acme_platform.meltano_project import SourceProject, discover_sources
from acme_platform.settings import PlatformSettings, settings_from_config
from acme_platform.stack import Platform, build_platform

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
GET_CALLER_IDENTITY = "aws:index/getCallerIdentity:getCallerIdentity"

T = TypeVar("T")


@dataclass
class RecordedResource:
    """A resource the program registered: Pulumi type token, logical name, inputs."""

    typ: str
    name: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def physical_name(self) -> str:
        return str(self.inputs.get("name") or self.name)


class RecordingMocks(pulumi.runtime.Mocks):
    """Echo inputs back as outputs, add the computed attributes the program reads (ARNs,
    URLs, bucket names), and remember everything for assertions."""

    def __init__(self) -> None:
        self.resources: list[RecordedResource] = []
        self.calls: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        outputs = dict(args.inputs)
        name = str(args.inputs.get("name") or args.name)
        resource_id = f"{args.name}-id"
        extra = self._computed(args.typ, args.name, name, args.inputs)
        if args.typ == "aws:s3/bucket:Bucket":
            resource_id = extra["bucket"]
        outputs.update(extra)
        self.resources.append(RecordedResource(args.typ, args.name, dict(args.inputs), outputs))
        return resource_id, outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        self.calls.append(args.token)
        if args.token == GET_CALLER_IDENTITY:
            return (
                {
                    "accountId": ACCOUNT_ID,
                    "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/test",
                    "userId": "AIDTEST",
                    "id": ACCOUNT_ID,
                },
                [],
            )
        return {}, []

    @staticmethod
    def _computed(typ: str, logical: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        a = f"{REGION}:{ACCOUNT_ID}"
        if typ == "aws:s3/bucket:Bucket":
            bucket = f"{inputs.get('bucketPrefix', logical)}abc123"
            return {"bucket": bucket, "arn": f"arn:aws:s3:::{bucket}"}
        if typ == "aws:iam/role:Role":
            return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"}
        if typ == "aws:kms/key:Key":
            return {"arn": f"arn:aws:kms:{a}:key/{logical}", "keyId": logical}
        if typ == "aws:secretsmanager/secret:Secret":
            return {"arn": f"arn:aws:secretsmanager:{a}:secret:{name}-AbCdEf"}
        if typ == "aws:ecr/repository:Repository":
            return {
                "arn": f"arn:aws:ecr:{a}:repository/{name}",
                "repositoryUrl": f"{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{name}",
            }
        if typ == "aws:ecs/taskDefinition:TaskDefinition":
            family = inputs["family"]
            return {"arn": f"arn:aws:ecs:{a}:task-definition/{family}:1", "revision": 1}
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            return {"arn": f"arn:aws:logs:{a}:log-group:{name}"}
        if typ == "aws:lambda/function:Function":
            arn = f"arn:aws:lambda:{a}:function:{name}"
            return {
                "arn": arn,
                "invokeArn": f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations",
            }
        if typ == "aws:apigatewayv2/api:Api":
            return {
                "executionArn": f"arn:aws:execute-api:{a}:{logical}",
                "apiEndpoint": f"https://{logical}.execute-api.{REGION}.amazonaws.com",
            }
        service = typ.split(":")[1].split("/")[0]
        return {"arn": f"arn:aws:{service}:{a}:{logical}"}

    # -- queries -------------------------------------------------------------------

    def of_type(self, typ: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.typ == typ]

    def named(self, name: str) -> RecordedResource:
        matches = [r for r in self.resources if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} resources named {name!r}")
        return matches[0]


def run_program(program: Callable[[], T]) -> T:
    """Run ``program`` under ``@pulumi.runtime.test`` (after ``set_mocks``) and return its
    result once every resource registration has completed."""
    result: list[T] = []

    @pulumi.runtime.test
    def _run() -> None:
        result.append(program())

    _run()
    return result[0]


# ------------------------------------------------------------------ IAM evaluation


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(pattern: str, value: str) -> bool:
    # IAM wildcards: * and ? (no character classes).
    escaped = pattern.replace("[", "[[]")
    return fnmatch.fnmatchcase(value, escaped)


def _condition_holds(condition: Mapping[str, Any], context: Mapping[str, str]) -> bool:
    """IAM condition semantics, including for keys absent from the request: ``Null``
    tests presence, ``...IfExists`` and negated operators are true, the others false."""
    for qualified, entries in condition.items():
        # set operators over a single-valued request key: ForAllValues holds for an absent key
        qualifier, _, operator = qualified.rpartition(":")
        for key, expected in entries.items():
            values = [str(v).lower() if operator in ("Bool", "Null") else str(v) for v in _as_list(expected)]
            if operator == "Null":
                ok = ("true" if key not in context else "false") in values
            elif key not in context:
                ok = qualifier == "ForAllValues" or operator.endswith("IfExists") or "Not" in operator
            else:
                op = operator.removesuffix("IfExists")
                actual = context[key]
                if op in ("StringEquals", "ArnEquals", "Bool"):
                    ok = actual.lower() in values if op == "Bool" else actual in values
                elif op in ("StringLike", "ArnLike"):
                    ok = any(_matches(v, actual) for v in values)
                elif op in ("StringNotEquals", "ArnNotEquals"):
                    ok = actual not in values
                elif op in ("StringNotLike", "ArnNotLike"):
                    ok = not any(_matches(v, actual) for v in values)
                else:
                    raise NotImplementedError(f"condition operator {operator}")
            if not ok:
                return False
    return True


def _matching_effects(
    policy: str | Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, str] | None,
) -> set[str]:
    document = json.loads(policy) if isinstance(policy, str) else policy
    ctx = context or {}
    effects: set[str] = set()
    for statement in _as_list(document.get("Statement", [])):
        if "NotAction" in statement or "NotResource" in statement:
            raise NotImplementedError("NotAction/NotResource")
        if not any(_matches(str(a), action) for a in _as_list(statement.get("Action", []))):
            continue
        if not any(_matches(str(r), resource) for r in _as_list(statement.get("Resource", []))):
            continue
        if _condition_holds(statement.get("Condition", {}), ctx):
            effects.add(str(statement.get("Effect")))
    return effects


def policy_allows(
    policy: str | Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    """Whether a policy allows ``action`` on ``resource`` (explicit deny wins).

    Enough IAM for least-privilege assertions: wildcards in Action/Resource (Principal is
    not evaluated), NotAction is rejected, conditions String/Arn Equals/Like/NotEquals and
    Bool (+IfExists).
    """
    effects = _matching_effects(policy, action, resource, context)
    return "Allow" in effects and "Deny" not in effects


def policy_denies(
    policy: str | Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> bool:
    """Whether a policy explicitly denies ``action`` on ``resource`` in ``context``."""
    return "Deny" in _matching_effects(policy, action, resource, context)


def resources_in(policy: str | Mapping[str, Any], action_prefix: str) -> Iterable[str]:
    """Every Resource of statements with an action starting with ``action_prefix``."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    for statement in _as_list(document.get("Statement", [])):
        if any(str(a).startswith(action_prefix) for a in _as_list(statement.get("Action", []))):
            yield from (str(r) for r in _as_list(statement.get("Resource", [])))


# ------------------------------------------------------------------ fixtures

PLATFORM_DIR = Path(__file__).resolve().parent.parent
REPO_SOURCES = PLATFORM_DIR.parent / "sources"
PROJECT = "acme-cdp-platform"


def write_meltano_yml(
    sources_dir: Path,
    name: str,
    schedules: list[dict[str, Any]],
    *,
    jobs: list[str] | None = None,
    sensitive: tuple[str, ...] = ("api_key",),
) -> Path:
    """A source's ``meltano.yml`` as the template generates it (extractor, jobs, schedules;
    the loader and environments live in the root project)."""
    folder = sources_dir / name
    folder.mkdir(parents=True, exist_ok=True)
    job_names = jobs if jobs is not None else sorted({s["job"] for s in schedules})
    document = {
        "plugins": {
            "extractors": [
                {
                    "name": f"tap-{name}",
                    "namespace": f"tap_{name}",
                    "settings": [
                        *({"name": s, "sensitive": True} for s in sensitive),
                        {"name": "start_date", "kind": "date_iso8601"},
                    ],
                },
                {"name": f"tap-{name}--full", "inherit_from": f"tap-{name}"},
            ],
        },
        "jobs": [{"name": j, "tasks": [f"tap-{name} target-bronze"]} for j in job_names],
        "schedules": schedules,
    }
    path = folder / "meltano.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def write_root_meltano_yml(root: Path) -> Path:
    """The root project: shared loader, and a prod environment fed by ${VARS}."""
    document = {
        "version": 1,
        "default_environment": "dev",
        "include_paths": ["./sources/*/meltano.yml"],
        "plugins": {
            "loaders": [
                {
                    "name": "target-bronze",
                    "namespace": "target_bronze",
                    "settings": [
                        {"name": "stage_url"},
                        {"name": "snowflake_user"},
                        {"name": "snowflake_password", "kind": "string", "sensitive": True},
                    ],
                    "config": {"source": "$MELTANO_EXTRACTOR_NAMESPACE"},
                }
            ]
        },
        "environments": [
            {
                "name": "dev",
                "config": {"plugins": {"loaders": [{"name": "target-bronze", "config": {"stage_url": "${DEV_ONLY}"}}]}},
            },
            {
                "name": "prod",
                "config": {
                    "plugins": {
                        "loaders": [
                            {
                                "name": "target-bronze",
                                "config": {
                                    "warehouse": "snowflake",
                                    "stage_url": "${ACME_STAGE_URL}",
                                    "snowflake_account": "${SNOWFLAKE_ACCOUNT}",
                                    "snowflake_user": "${SNOWFLAKE_USER}",
                                    "snowflake_storage_integration": ("${SNOWFLAKE_STORAGE_INTEGRATION}"),
                                },
                            }
                        ],
                        "extractors": [{"name": "tap-zendesk", "config": {"subdomain": "${ZENDESK_SUBDOMAIN}"}}],
                    }
                },
                "env": {"MELTANO_STATE_BACKEND_URI": "${ACME_MELTANO_STATE_URI}"},
            },
        ],
    }
    path = root / "meltano.yml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def standard_schedules(name: str) -> list[dict[str, Any]]:
    """What the template generates: hourly delta, daily full."""
    return [
        {"name": f"{name}-delta-hourly", "interval": "@hourly", "job": f"{name}-delta"},
        {"name": f"{name}-full-daily", "interval": "@daily", "job": f"{name}-full"},
    ]


def make_fake_sources(root: Path) -> Path:
    """A repo root with a root ``meltano.yml`` and ``sources/``: stripe and zendesk like the
    template, plus ``stripe_eu`` (a near-name of stripe, to catch prefix-matching mistakes)
    with a cron schedule and a manual backfill."""
    write_root_meltano_yml(root)
    sources = root / "sources"
    write_meltano_yml(sources, "stripe", standard_schedules("stripe"))
    write_meltano_yml(
        sources,
        "stripe_eu",
        [
            {"name": "stripe_eu-hourly", "interval": "@hourly", "job": "stripe_eu-delta"},
            {
                "name": "business-hours",
                "interval": "*/15 9-17 * * 1-5",
                "job": "stripe_eu-delta",
                "env": {"TAP_STRIPE_EU_LOOKBACK_MINUTES": "30"},
            },
            {"name": "backfill", "interval": "@once", "job": "stripe_eu-full"},
        ],
    )
    write_meltano_yml(sources, "zendesk", standard_schedules("zendesk"), sensitive=("api_token",))
    (sources / "not_a_source").mkdir()  # no meltano.yml: ignored
    return sources


def prod_config() -> dict[str, Any]:
    """The project-namespace values of ``Pulumi.prod.yaml``, prefix stripped."""
    raw = yaml.safe_load((PLATFORM_DIR / "Pulumi.prod.yaml").read_text(encoding="utf-8"))
    prefix = f"{PROJECT}:"
    return {k[len(prefix) :]: v for k, v in raw["config"].items() if k.startswith(prefix)}


def prod_settings(sources_dir: Path | None = None) -> PlatformSettings:
    settings = settings_from_config(prod_config(), region=REGION, project_dir=PLATFORM_DIR)
    if sources_dir is not None:
        settings = dataclasses.replace(settings, sources_dir=sources_dir)
    return settings


@dataclasses.dataclass
class BuiltStack:
    mocks: RecordingMocks
    platform: Platform
    sources: tuple[SourceProject, ...]
    settings: PlatformSettings


def build_stack(settings: PlatformSettings) -> BuiltStack:
    """Run the whole program against fresh recording mocks."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="test", preview=False)
    sources = discover_sources(settings.sources_dir)
    platform = run_program(lambda: build_platform(settings, sources))
    return BuiltStack(mocks=mocks, platform=platform, sources=sources, settings=settings)
