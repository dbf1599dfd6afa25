"""Typed stack settings, parsed from the Pulumi stack configuration.

``Pulumi.<stack>.yaml`` holds non-secret settings only; values that are secret (API keys,
Snowflake keys, webhook signing secrets) live in Secrets Manager and are put there out of
band, never in config or code. Unknown keys are errors, so a typo fails the preview
instead of silently falling back to a default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acme_platform.schedule_expressions import ScheduleTiming

#: Valid Fargate (cpu units -> memory MiB) combinations.
_FARGATE_MEMORY: dict[int, range] = {
    256: range(512, 2048 + 1, 512),
    512: range(1024, 4096 + 1, 1024),
    1024: range(2048, 8192 + 1, 1024),
    2048: range(4096, 16384 + 1, 1024),
    4096: range(8192, 30720 + 1, 1024),
    8192: range(16384, 61440 + 1, 4096),
    16384: range(32768, 122880 + 1, 8192),
}
WEBHOOK_SCHEMES = ("stripe", "zendesk", "hmac-sha256-hex")
#: CloudWatch Logs accepts only these retention values.
_LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
)


class SettingsError(ValueError):
    """Invalid stack configuration."""


@dataclass(frozen=True)
class TaskSize:
    """A Fargate task size: ``cpu`` in CPU units (1024 = 1 vCPU), ``memory`` in MiB."""

    cpu: int
    memory: int

    def __post_init__(self) -> None:
        allowed = _FARGATE_MEMORY.get(self.cpu)
        if allowed is None or self.memory not in allowed:
            raise SettingsError(f"{self.cpu} CPU units / {self.memory} MiB is not a Fargate size")

    @property
    def label(self) -> str:
        return f"c{self.cpu}m{self.memory}"


@dataclass(frozen=True)
class NetworkSettings:
    vpc_cidr: str = "10.40.0.0/16"
    availability_zones: tuple[str, ...] = ()
    nat_gateways: int = 1
    #: Use an existing VPC instead of creating one (both must be set).
    existing_vpc_id: str | None = None
    existing_private_subnet_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class DataLakeSettings:
    #: ``stage/`` objects move to ``archive_storage_class`` after this many days ...
    archive_after_days: int = 30
    archive_storage_class: str = "GLACIER_IR"
    #: ... and are deleted after this many (``None`` keeps them).
    expire_after_days: int | None = 730
    #: Objects tagged ``acme-sync-mode=full`` (daily full snapshots) are deleted sooner.
    full_snapshot_expire_days: int = 14
    #: Overwritten/deleted versions disappear after this many days (deletion requests).
    noncurrent_version_expire_days: int = 1
    #: Rejected webhook records (Firehose error prefix) are kept this long.
    webhook_error_expire_days: int = 2
    #: Pulumi ``protect`` on key and buckets (stops accidental ``pulumi destroy``).
    protect: bool = True

    def __post_init__(self) -> None:
        if self.full_snapshot_expire_days > self.archive_after_days:
            raise SettingsError(
                "fullSnapshotExpireDays must be <= archiveAfterDays (archived objects have a "
                "90-day minimum storage charge)"
            )
        if self.expire_after_days is not None and self.expire_after_days <= self.archive_after_days:
            raise SettingsError("expireAfterDays must be greater than archiveAfterDays")
        if not 1 <= self.noncurrent_version_expire_days <= 2:
            raise SettingsError(
                "noncurrentVersionExpireDays must be 1 or 2 so that deleted/rewritten PII is "
                "gone within the 72-hour deletion deadline"
            )


@dataclass(frozen=True)
class PipelineSettings:
    image_tag: str = "latest"
    #: Per-source image tag overrides (CI sets them to the git SHA).
    image_tags: Mapping[str, str] = field(default_factory=dict)
    default_task_size: TaskSize = TaskSize(512, 1024)
    #: Per-job task size overrides, keyed by Meltano job name (``stripe-full``).
    job_sizes: Mapping[str, TaskSize] = field(default_factory=dict)
    #: Container command; ``{job}`` and ``{source}`` are substituted. The source images have
    #: ``ENTRYPOINT ["meltano", "run"]``, so the command is the job name.
    command_template: tuple[str, ...] = ("{job}",)
    #: Meltano environment of the containers; its config says which ${VARS} they need.
    meltano_environment: str = "prod"
    log_retention_days: int = 30
    cpu_architecture: str = "X86_64"
    ephemeral_storage_gib: int = 21

    def __post_init__(self) -> None:
        if self.log_retention_days not in _LOG_RETENTION_DAYS:
            raise SettingsError(f"logRetentionDays {self.log_retention_days} is not allowed")
        if self.cpu_architecture not in ("X86_64", "ARM64"):
            raise SettingsError("cpuArchitecture must be X86_64 or ARM64")
        if not 21 <= self.ephemeral_storage_gib <= 200:
            raise SettingsError("ephemeralStorageGiB must be 21-200")

    def image_tag_for(self, source: str) -> str:
        return self.image_tags.get(source, self.image_tag)

    def size_for_job(self, job: str) -> TaskSize:
        return self.job_sizes.get(job, self.default_task_size)


@dataclass(frozen=True)
class ScheduleSettings:
    timing: ScheduleTiming = field(default_factory=ScheduleTiming)
    timezone: str = "UTC"
    #: 0 = fire exactly on time; >0 lets EventBridge spread starts over N minutes.
    flexible_window_minutes: int = 0
    enabled: bool = True
    retry_attempts: int = 2


@dataclass(frozen=True)
class WebhookSourceSettings:
    scheme: str
    #: Signature header, only for the generic ``hmac-sha256-hex`` scheme.
    header: str | None = None

    def __post_init__(self) -> None:
        if self.scheme not in WEBHOOK_SCHEMES:
            raise SettingsError(f"webhook scheme {self.scheme!r} not in {WEBHOOK_SCHEMES}")
        if self.scheme == "hmac-sha256-hex" and not self.header:
            raise SettingsError("the hmac-sha256-hex scheme needs a signature header")


@dataclass(frozen=True)
class WebhookSettings:
    sources: Mapping[str, WebhookSourceSettings] = field(default_factory=dict)
    #: Firehose buffering: files are written every ``buffer_seconds`` or ``buffer_mib``.
    buffer_seconds: int = 60
    buffer_mib: int = 64
    lambda_memory_mb: int = 256
    lambda_timeout_seconds: int = 10
    #: Reserved concurrency: ~150 events/s x ~0.15 s = ~23 busy instances at peak.
    reserved_concurrency: int = 100
    throttle_rate_per_second: int = 500
    throttle_burst: int = 1000

    def __post_init__(self) -> None:
        if not 0 <= self.buffer_seconds <= 900:
            raise SettingsError("webhooks.bufferSeconds must be 0-900")
        if not 1 <= self.buffer_mib <= 128:
            raise SettingsError("webhooks.bufferMiB must be 1-128")


@dataclass(frozen=True)
class SnowflakeSettings:
    #: From ``DESC INTEGRATION``; empty until the integration exists (bootstrap).
    storage_aws_iam_user_arn: str | None = None
    storage_aws_external_id: str | None = None
    #: ``notification_channel`` of the Snowpipe(s) that auto-ingest webhook files.
    snowpipe_sqs_arn: str | None = None
    #: Name of the storage integration (``CREATE STORAGE INTEGRATION <name>``); default
    #: ``acme_cdp_<environment>_s3``. Passed to the loaders as SNOWFLAKE_STORAGE_INTEGRATION.
    storage_integration_name: str | None = None


@dataclass(frozen=True)
class TransformSchedule:
    name: str
    #: An EventBridge Scheduler expression: ``cron(...)``, ``rate(...)`` or ``at(...)``.
    expression: str
    command: tuple[str, ...]

    def __post_init__(self) -> None:
        if not re.fullmatch(r"(cron|rate|at)\(.+\)", self.expression):
            raise SettingsError(
                f"transform schedule {self.name!r}: {self.expression!r} is not an "
                "EventBridge Scheduler expression (cron(...), rate(...) or at(...))"
            )
        if not self.command:
            raise SettingsError(f"transform schedule {self.name!r} needs a command")


#: What dbt's ``snowflake`` target (transforms/profiles.yml) reads from the environment,
#: injected from the ``transform/warehouse`` secret (JSON key = variable name).
DBT_SECRET_ENV = (
    "SNOWFLAKE_ACCOUNT",
    "SNOWFLAKE_USER",
    "SNOWFLAKE_ROLE",
    "SNOWFLAKE_WAREHOUSE",
    "SNOWFLAKE_DATABASE",
    "SNOWFLAKE_PRIVATE_KEY",
)


def _dbt_environment() -> dict[str, str]:
    return {"DBT_TARGET": "snowflake"}


@dataclass(frozen=True)
class TransformSettings:
    enabled: bool = True
    image_tag: str = "latest"
    task_size: TaskSize = TaskSize(1024, 2048)
    schedules: tuple[TransformSchedule, ...] = ()
    #: Plain environment of the dbt container.
    environment: Mapping[str, str] = field(default_factory=_dbt_environment)
    #: Variables injected from the warehouse secret (each must be a key of its JSON).
    secret_env: tuple[str, ...] = DBT_SECRET_ENV


@dataclass(frozen=True)
class AlertSettings:
    emails: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlatformSettings:
    environment: str
    region: str
    sources_dir: Path
    network: NetworkSettings = NetworkSettings()
    data_lake: DataLakeSettings = DataLakeSettings()
    pipelines: PipelineSettings = PipelineSettings()
    schedules: ScheduleSettings = ScheduleSettings()
    webhooks: WebhookSettings = WebhookSettings()
    snowflake: SnowflakeSettings = SnowflakeSettings()
    transform: TransformSettings = TransformSettings()
    alerts: AlertSettings = AlertSettings()

    @property
    def prefix(self) -> str:
        """Prefix of every physical name: ``acme-cdp-prod``."""
        return f"acme-cdp-{self.environment}"

    @property
    def storage_integration(self) -> str:
        """Snowflake storage integration name (``acme_cdp_prod_s3``)."""
        default = f"acme_cdp_{self.environment}_s3".replace("-", "_")
        return self.snowflake.storage_integration_name or default

    def availability_zones(self) -> tuple[str, ...]:
        return self.network.availability_zones or (f"{self.region}a", f"{self.region}b")


# --------------------------------------------------------------------------- parsing


class _Section:
    """A config mapping that remembers which keys were read, to reject unknown ones."""

    def __init__(self, path: str, raw: Any) -> None:
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise SettingsError(f"{path} must be a mapping")
        self.path = path
        self.raw: Mapping[str, Any] = raw
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        value = self.raw.get(key)
        return default if value is None or value == "" else value

    def get_int(self, key: str, default: int) -> int:
        value = self.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{self.path}.{key} must be an integer")
        return value

    def get_bool(self, key: str, default: bool) -> bool:
        value = self.get(key, default)
        if not isinstance(value, bool):
            raise SettingsError(f"{self.path}.{key} must be true or false")
        return value

    def get_str(self, key: str, default: str | None = None) -> str | None:
        value = self.get(key, default)
        if value is not None and not isinstance(value, str):
            raise SettingsError(f"{self.path}.{key} must be a string")
        return value

    def get_strs(self, key: str) -> tuple[str, ...]:
        value = self.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{self.path}.{key} must be a list of strings")
        return tuple(value)

    def section(self, key: str) -> _Section:
        return _Section(f"{self.path}.{key}", self.get(key))

    def done(self) -> None:
        unknown = set(self.raw) - self.read
        if unknown:
            raise SettingsError(f"unknown keys in {self.path}: {sorted(unknown)}")


def _task_size(section: _Section, default: TaskSize) -> TaskSize:
    if not section.raw:
        section.done()
        return default
    size = TaskSize(cpu=section.get_int("cpu", default.cpu), memory=section.get_int("memory", default.memory))
    section.done()
    return size


def settings_from_config(values: Mapping[str, Any], *, region: str, project_dir: Path) -> PlatformSettings:
    """Build :class:`PlatformSettings` from the project's config values.

    ``values`` are the project-namespace keys without the ``<project>:`` prefix, e.g.
    ``{"environment": "prod", "network": {...}}``. Paths are relative to ``project_dir``.
    """
    root = _Section("config", values)
    environment = root.get_str("environment")
    if not environment:
        raise SettingsError("config.environment is required")

    net = root.section("network")
    network = NetworkSettings(
        vpc_cidr=net.get_str("vpcCidr", "10.40.0.0/16") or "10.40.0.0/16",
        availability_zones=net.get_strs("availabilityZones"),
        nat_gateways=net.get_int("natGateways", 1),
        existing_vpc_id=net.get_str("existingVpcId"),
        existing_private_subnet_ids=net.get_strs("existingPrivateSubnetIds"),
    )
    net.done()
    if bool(network.existing_vpc_id) != bool(network.existing_private_subnet_ids):
        raise SettingsError("network.existingVpcId and existingPrivateSubnetIds go together")

    lake_s = root.section("dataLake")
    expire = lake_s.get("expireAfterDays", 730)
    data_lake = DataLakeSettings(
        archive_after_days=lake_s.get_int("archiveAfterDays", 30),
        archive_storage_class=lake_s.get_str("archiveStorageClass", "GLACIER_IR") or "GLACIER_IR",
        expire_after_days=None if expire in (0, "never") else int(expire),
        full_snapshot_expire_days=lake_s.get_int("fullSnapshotExpireDays", 14),
        noncurrent_version_expire_days=lake_s.get_int("noncurrentVersionExpireDays", 1),
        webhook_error_expire_days=lake_s.get_int("webhookErrorExpireDays", 2),
        protect=lake_s.get_bool("protect", True),
    )
    lake_s.done()

    pipe = root.section("pipelines")
    default_size = _task_size(pipe.section("defaultTaskSize"), TaskSize(512, 1024))
    job_sizes_raw = pipe.section("jobSizes")
    job_sizes = {
        job: _task_size(_Section(f"config.pipelines.jobSizes.{job}", raw), default_size)
        for job, raw in job_sizes_raw.raw.items()
    }
    job_sizes_raw.read.update(job_sizes_raw.raw)
    image_tags = pipe.get("imageTags", {})
    if not isinstance(image_tags, Mapping):
        raise SettingsError("config.pipelines.imageTags must be a mapping")
    command = pipe.get_strs("commandTemplate") or ("{job}",)
    pipelines = PipelineSettings(
        image_tag=pipe.get_str("imageTag", "latest") or "latest",
        image_tags={str(k): str(v) for k, v in image_tags.items()},
        default_task_size=default_size,
        job_sizes=job_sizes,
        command_template=command,
        meltano_environment=pipe.get_str("meltanoEnvironment", "prod") or "prod",
        log_retention_days=pipe.get_int("logRetentionDays", 30),
        cpu_architecture=pipe.get_str("cpuArchitecture", "X86_64") or "X86_64",
        ephemeral_storage_gib=pipe.get_int("ephemeralStorageGiB", 21),
    )
    pipe.done()

    sched = root.section("schedules")
    schedules = ScheduleSettings(
        timing=ScheduleTiming(
            hourly_minute=sched.get_int("hourlyMinute", 0),
            daily_hour=sched.get_int("dailyHour", 2),
            daily_minute=sched.get_int("dailyMinute", 0),
            weekly_day=sched.get_str("weeklyDay", "SUN") or "SUN",
        ),
        timezone=sched.get_str("timezone", "UTC") or "UTC",
        flexible_window_minutes=sched.get_int("flexibleWindowMinutes", 0),
        enabled=sched.get_bool("enabled", True),
        retry_attempts=sched.get_int("retryAttempts", 2),
    )
    sched.done()

    hooks = root.section("webhooks")
    hook_sources = hooks.section("sources")
    webhook_sources = {}
    for source, raw in hook_sources.raw.items():
        entry = _Section(f"config.webhooks.sources.{source}", raw)
        webhook_sources[str(source)] = WebhookSourceSettings(
            scheme=entry.get_str("scheme") or "", header=entry.get_str("header")
        )
        entry.done()
    hook_sources.read.update(hook_sources.raw)
    webhooks = WebhookSettings(
        sources=webhook_sources,
        buffer_seconds=hooks.get_int("bufferSeconds", 60),
        buffer_mib=hooks.get_int("bufferMiB", 64),
        lambda_memory_mb=hooks.get_int("lambdaMemoryMb", 256),
        lambda_timeout_seconds=hooks.get_int("lambdaTimeoutSeconds", 10),
        reserved_concurrency=hooks.get_int("reservedConcurrency", 100),
        throttle_rate_per_second=hooks.get_int("throttleRatePerSecond", 500),
        throttle_burst=hooks.get_int("throttleBurst", 1000),
    )
    hooks.done()

    snow = root.section("snowflake")
    snowflake = SnowflakeSettings(
        storage_aws_iam_user_arn=snow.get_str("storageAwsIamUserArn"),
        storage_aws_external_id=snow.get_str("storageAwsExternalId"),
        snowpipe_sqs_arn=snow.get_str("snowpipeSqsArn"),
        storage_integration_name=snow.get_str("storageIntegrationName"),
    )
    snow.done()

    tr = root.section("transform")
    transform_schedules = []
    for index, raw in enumerate(tr.get("schedules", [])):
        entry = _Section(f"config.transform.schedules[{index}]", raw)
        name, expression = entry.get_str("name"), entry.get_str("expression")
        if not name or not expression:
            raise SettingsError(f"{entry.path} needs name and expression")
        transform_schedules.append(
            TransformSchedule(name=name, expression=expression, command=entry.get_strs("command"))
        )
        entry.done()
    transform_env = tr.get("environment", _dbt_environment())
    if not isinstance(transform_env, Mapping):
        raise SettingsError("config.transform.environment must be a mapping")
    transform = TransformSettings(
        enabled=tr.get_bool("enabled", True),
        image_tag=tr.get_str("imageTag", "latest") or "latest",
        task_size=_task_size(tr.section("taskSize"), TaskSize(1024, 2048)),
        schedules=tuple(transform_schedules),
        environment={str(k): str(v) for k, v in transform_env.items()},
        secret_env=tr.get_strs("secretEnv") or DBT_SECRET_ENV,
    )
    tr.done()

    al = root.section("alerts")
    alerts = AlertSettings(emails=al.get_strs("emails"))
    al.done()

    sources_dir = Path(root.get_str("sourcesDir", "../sources") or "../sources")
    root.done()
    return PlatformSettings(
        environment=environment,
        region=region,
        sources_dir=(project_dir / sources_dir).resolve(),
        network=network,
        data_lake=data_lake,
        pipelines=pipelines,
        schedules=schedules,
        webhooks=webhooks,
        snowflake=snowflake,
        transform=transform,
        alerts=alerts,
    )
