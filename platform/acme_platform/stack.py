"""Compose the platform from its components (called by ``__main__.py`` and the tests)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from acme_platform.components.batch_cluster import BatchCluster, BatchClusterArgs
from acme_platform.components.container_job import JobPlatform
from acme_platform.components.data_lake import DataLake, DataLakeArgs
from acme_platform.components.network import Network, NetworkArgs
from acme_platform.components.observability import Observability, ObservabilityArgs
from acme_platform.components.secret_store import SecretSpec, SecretStore, SecretStoreArgs
from acme_platform.components.snowflake_integration import (
    SnowflakeIntegration,
    SnowflakeIntegrationArgs,
)
from acme_platform.components.source_pipeline import (
    PLATFORM_PROVIDED_ENV,
    SourcePipeline,
    SourcePipelineArgs,
)
from acme_platform.components.transform_job import TransformJob, TransformJobArgs
from acme_platform.components.webhook_ingress import (
    WebhookIngress,
    WebhookIngressArgs,
    webhook_prefix,
)
from acme_platform.meltano_project import SourceProject
from acme_platform.settings import PlatformSettings, SettingsError

#: Top-level keys of the project config namespace (see Pulumi.prod.yaml).
CONFIG_KEYS = (
    "environment",
    "sourcesDir",
    "network",
    "dataLake",
    "pipelines",
    "schedules",
    "webhooks",
    "snowflake",
    "transform",
    "alerts",
)


@dataclass
class Platform:
    """Handles on every component, for exports and tests."""

    data_lake: DataLake
    secrets: SecretStore
    network: Network
    batch: BatchCluster
    pipelines: dict[str, SourcePipeline]
    transform: TransformJob | None
    webhooks: WebhookIngress | None
    snowflake: SnowflakeIntegration
    observability: Observability


def secret_keys(source: SourceProject, kind: str) -> list[str]:
    """JSON keys the source's ``kind`` secret must hold (what the task injects from it)."""
    keys = [s.setting for s in source.settings_for(kind)]
    keys += [r.name for r in source.references_for(kind) if r.name not in PLATFORM_PROVIDED_ENV]
    return keys


def secret_specs(sources: Sequence[SourceProject], settings: PlatformSettings) -> list[SecretSpec]:
    """The secrets the platform needs; values are put out of band (README)."""
    specs = []
    for source in sources:
        extractor_keys = ", ".join(secret_keys(source, "extractor"))
        loader_keys = ", ".join(secret_keys(source, "loader"))
        api = f"{source.name} API credentials"
        warehouse = f"Snowflake credentials of the {source.name} loader"
        specs += [
            SecretSpec(
                f"{source.name}/extractor",
                f"{api} (JSON keys: {extractor_keys or 'see tap docs'})",
            ),
            SecretSpec(
                f"{source.name}/loader",
                f"{warehouse} (JSON keys: {loader_keys or 'see target docs'})",
            ),
        ]
    for webhook_source in sorted(settings.webhooks.sources):
        specs.append(
            SecretSpec(
                f"{webhook_source}/webhook-signing",
                f"{webhook_source} webhook signing secret (JSON key: signing_secret)",
            )
        )
    if settings.transform.enabled:
        keys = ", ".join(settings.transform.secret_env)
        specs.append(SecretSpec("transform/warehouse", f"Snowflake credentials of dbt (JSON keys: {keys})"))
    return specs


def build_platform(
    settings: PlatformSettings,
    sources: Sequence[SourceProject],
    account_id: pulumi.Input[str] | None = None,
) -> Platform:
    """Create every component. ``sources`` come from ``discover_sources``."""
    names = [s.name for s in sources]
    if len(names) != len(set(names)):
        raise SettingsError(f"duplicate source names: {names}")
    if account_id is None:
        account_id = aws.get_caller_identity_output().account_id
    prefix = settings.prefix

    data_lake = DataLake("data-lake", DataLakeArgs(prefix=prefix, settings=settings.data_lake))
    secrets = SecretStore("secrets", SecretStoreArgs(prefix=prefix, secrets=secret_specs(sources, settings)))
    network = Network(
        "network",
        NetworkArgs(
            prefix=prefix,
            region=settings.region,
            availability_zones=settings.availability_zones(),
            settings=settings.network,
        ),
    )
    batch = BatchCluster("batch", BatchClusterArgs(prefix=prefix))
    platform = JobPlatform(
        prefix=prefix,
        region=settings.region,
        account_id=account_id,
        cluster_arn=batch.cluster.arn,
        subnet_ids=network.private_subnet_ids,
        security_group_ids=[network.task_security_group.id],
        schedule_group_name=batch.schedule_group.name,
        dead_letter_queue_arn=batch.dead_letter_queue.arn,
        secrets_key_arn=secrets.key.arn,
        pipelines=settings.pipelines,
        schedules=settings.schedules,
    )

    pipelines = {
        source.name: SourcePipeline(
            f"source-{source.name}",
            SourcePipelineArgs(
                source=source,
                platform=platform,
                lake_bucket_name=data_lake.lake_bucket.bucket,
                lake_bucket_arn=data_lake.lake_bucket.arn,
                state_bucket_name=data_lake.state_bucket.bucket,
                state_bucket_arn=data_lake.state_bucket.arn,
                data_key_arn=data_lake.key.arn,
                lock_table_name=data_lake.lock_table.name,
                lock_table_arn=data_lake.lock_table.arn,
                extractor_secret_arn=secrets.arn(f"{source.name}/extractor"),
                loader_secret_arn=secrets.arn(f"{source.name}/loader"),
                storage_integration=settings.storage_integration,
            ),
        )
        for source in sources
    }

    transform = None
    if settings.transform.enabled:
        transform = TransformJob(
            "transform",
            TransformJobArgs(
                platform=platform,
                settings=settings.transform,
                warehouse_secret_arn=secrets.arn("transform/warehouse"),
            ),
        )

    webhooks = None
    if settings.webhooks.sources:
        webhooks = WebhookIngress(
            "webhooks",
            WebhookIngressArgs(
                prefix=prefix,
                region=settings.region,
                account_id=account_id,
                settings=settings.webhooks,
                signing_secret_arns={s: secrets.arn(f"{s}/webhook-signing") for s in settings.webhooks.sources},
                secrets_key_arn=secrets.key.arn,
                lake_bucket_arn=data_lake.lake_bucket.arn,
                data_key_arn=data_lake.key.arn,
                log_retention_days=settings.pipelines.log_retention_days,
            ),
        )

    snowflake = SnowflakeIntegration(
        "snowflake",
        SnowflakeIntegrationArgs(
            prefix=prefix,
            region=settings.region,
            account_id=account_id,
            settings=settings.snowflake,
            lake_bucket_name=data_lake.lake_bucket.bucket,
            lake_bucket_arn=data_lake.lake_bucket.arn,
            data_key_arn=data_lake.key.arn,
            auto_ingest_prefixes=[webhook_prefix(s) for s in sorted(settings.webhooks.sources)],
        ),
    )

    task_families: dict[str, Sequence[str]] = {name: p.task_families for name, p in pipelines.items()}
    if transform is not None:
        task_families["transform"] = transform.task_families
    observability = Observability(
        "observability",
        ObservabilityArgs(
            prefix=prefix,
            account_id=account_id,
            cluster_arn=batch.cluster.arn,
            task_families=task_families,
            dead_letter_queue_name=batch.dead_letter_queue.name,
            log_retention_days=settings.pipelines.log_retention_days,
            alert_emails=settings.alerts.emails,
            webhook_function_name=webhooks.function.name if webhooks else None,
            webhook_api_id=webhooks.api.id if webhooks else None,
            firehose_stream_names=({s: stream.name for s, stream in webhooks.streams.items()} if webhooks else {}),
        ),
    )
    return Platform(
        data_lake=data_lake,
        secrets=secrets,
        network=network,
        batch=batch,
        pipelines=pipelines,
        transform=transform,
        webhooks=webhooks,
        snowflake=snowflake,
        observability=observability,
    )


def export_outputs(platform: Platform) -> None:
    """Stack outputs: what operators and the Snowflake admin need."""
    pulumi.export("lakeBucket", platform.data_lake.lake_bucket.bucket)
    pulumi.export("stateBucket", platform.data_lake.state_bucket.bucket)
    pulumi.export("dataKeyArn", platform.data_lake.key.arn)
    pulumi.export("secretNames", {key: s.name for key, s in platform.secrets.secrets.items()})
    pulumi.export("clusterName", platform.batch.cluster.name)
    pulumi.export(
        "repositories",
        {name: p.repository.repository_url for name, p in platform.pipelines.items()}
        | ({"transform": platform.transform.repository.repository_url} if platform.transform else {}),
    )
    pulumi.export("schedules", {name: sorted(p.schedules) for name, p in platform.pipelines.items()})
    pulumi.export(
        "manualSchedules",
        {name: list(p.manual_schedules) for name, p in platform.pipelines.items()},
    )
    if platform.webhooks:
        pulumi.export("webhookEndpoints", platform.webhooks.endpoints)
    pulumi.export("snowflakeRoleArn", platform.snowflake.role.arn)
    pulumi.export("snowflakeStageUrl", platform.snowflake.stage_url)
    pulumi.export("alertTopicArn", platform.observability.topic.arn)


def read_project_config(project: str) -> dict[str, Any]:
    """The project's config values (objects parsed), refusing secret or unknown keys.

    Secrets do not belong in stack config for this project (they live in Secrets Manager),
    so a ``pulumi config set --secret`` here is a mistake worth failing on.
    """
    from pulumi.runtime import config as runtime_config

    config = pulumi.Config(project)
    present: Mapping[str, Any] = {
        **runtime_config.get_config_env(),
        **runtime_config.CONFIG.get(),
    }
    namespace = f"{project}:"
    unknown = sorted(k for k in present if k.startswith(namespace) and k[len(namespace) :] not in CONFIG_KEYS)
    if unknown:
        raise SettingsError(f"unknown config keys: {unknown}")
    secret = [k for k in CONFIG_KEYS if runtime_config.is_config_secret(f"{namespace}{k}")]
    if secret:
        raise SettingsError(f"config keys {secret} are secrets; put secret values in Secrets Manager instead")
    values: dict[str, Any] = {}
    for key in CONFIG_KEYS:
        raw = config.get(key)
        if raw is None:
            continue
        values[key] = config.get_object(key) if raw[:1] in ("{", "[") else raw
    return values
