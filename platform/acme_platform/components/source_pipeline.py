"""SourcePipeline: everything one Meltano source needs to run on a schedule in AWS."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from acme_platform.components import container_job as job
from acme_platform.components.data_lake import STAGE_PREFIX
from acme_platform.iam import (
    STAGE_WRITE_ACTIONS,
    STATE_ACTIONS,
    Statement,
    kms_via_service_statement,
    read_secrets_statement,
    s3_prefix_statements,
)
from acme_platform.meltano_project import SourceProject
from acme_platform.schedule_expressions import meltano_interval_to_scheduler_expression
from acme_platform.settings import TaskSize

CONTAINER_NAME = "meltano"
#: Variables the task definition sets itself (never taken from a secret).
PLATFORM_PROVIDED_ENV = frozenset(
    {
        "ACME_STAGE_URL",
        "ACME_MELTANO_STATE_URI",
        "MELTANO_STATE_BACKEND_URI",
        "MELTANO_ENVIRONMENT",
        "SNOWFLAKE_STORAGE_INTEGRATION",
        "ACME_LOCK_TABLE",
    }
)


#: What a job does with its source's lock item (acme_orchestration/leases.py).
LOCK_ACTIONS = ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem")


@dataclass(frozen=True)
class SourcePipelineArgs:
    source: SourceProject
    platform: job.JobPlatform
    lake_bucket_name: pulumi.Input[str]
    lake_bucket_arn: pulumi.Input[str]
    state_bucket_name: pulumi.Input[str]
    state_bucket_arn: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    #: DynamoDB table of the source locks (``ACME_LOCK_TABLE``).
    lock_table_name: pulumi.Input[str]
    lock_table_arn: pulumi.Input[str]
    extractor_secret_arn: pulumi.Input[str]
    loader_secret_arn: pulumi.Input[str]
    #: Name of the Snowflake storage integration (``SNOWFLAKE_STORAGE_INTEGRATION``).
    storage_integration: str


def stage_prefix(source: str) -> str:
    return f"{STAGE_PREFIX}{source}/"


def state_prefix(source: str) -> str:
    return f"{source}/"


class SourcePipeline(pulumi.ComponentResource):
    """ECR repository, log group, roles, Fargate task definition(s) and one EventBridge
    Scheduler schedule per (timed) Meltano schedule of one source.

    The task role can write only ``stage/<source>/`` in the lake bucket, read/write only
    ``<source>/`` in the state bucket, and read only this source's two secrets.
    Jobs with a size override in ``pipelines.jobSizes`` get their own task definition
    family (``<prefix>-<source>-c<cpu>m<memory>``); the others use the default one.
    """

    repository: aws.ecr.Repository
    log_group: aws.cloudwatch.LogGroup
    task_role: aws.iam.Role
    execution_role: aws.iam.Role
    task_definitions: dict[TaskSize, aws.ecs.TaskDefinition]
    schedules: dict[str, aws.scheduler.Schedule]
    #: Meltano schedules that have no timer (``@once``/``@manual``/``@none``).
    manual_schedules: tuple[str, ...]
    task_families: tuple[str, ...]

    def __init__(self, name: str, args: SourcePipelineArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:SourcePipeline", name, None, opts)
        source = args.source
        platform = args.platform
        p = platform.pipelines
        base = f"{platform.prefix}-{source.name}"

        self.repository = job.repository(f"{name}-repo", f"{platform.prefix}/{source.name}", self)
        self.log_group = job.log_group(
            f"{name}-logs",
            f"/{platform.prefix}/sources/{source.name}",
            p.log_retention_days,
            self,
        )
        secret_arns = [args.extractor_secret_arn, args.loader_secret_arn]
        self.execution_role = job.execution_role(
            f"{name}-exec-role",
            f"{base}-exec",
            platform,
            self.repository,
            self.log_group,
            secret_arns,
            self,
        )
        self.task_role = job.role(
            f"{name}-task-role",
            f"{base}-task",
            "ecs-tasks.amazonaws.com",
            platform,
            self._task_statements(args),
            self,
        )

        # One task definition per distinct size used by this source's jobs.
        jobs = {*source.jobs, *(s.job for s in source.schedules)}
        sizes = {p.default_task_size, *(p.size_for_job(j) for j in jobs)}
        families: dict[TaskSize, str] = {
            size: base if size == p.default_task_size else f"{base}-{size.label}" for size in sizes
        }
        container = self._container(args)
        self.task_definitions = {
            size: job.task_definition(
                f"{name}-task" if size == p.default_task_size else f"{name}-task-{size.label}",
                family,
                size,
                container,
                self.execution_role.arn,
                self.task_role.arn,
                platform,
                self,
            )
            for size, family in sorted(families.items(), key=lambda kv: kv[1])
        }
        self.task_families = tuple(sorted(families.values()))

        scheduler_role = job.scheduler_role(
            f"{name}-scheduler-role",
            f"{base}-scheduler",
            platform,
            self.task_families,
            [self.task_role, self.execution_role],
            self,
        )

        self.schedules = {}
        manual = []
        for schedule in source.schedules:
            expression = meltano_interval_to_scheduler_expression(schedule.interval, platform.schedules.timing)
            if expression is None:
                manual.append(schedule.name)
                continue
            command = [part.format(job=schedule.job, source=source.name) for part in p.command_template]
            self.schedules[schedule.name] = job.ecs_schedule(
                f"{name}-schedule-{schedule.name}",
                physical_name=job.schedule_name(source.name, schedule.name),
                description=(
                    f"Meltano schedule {schedule.name} ({schedule.interval}) of {source.name}: job {schedule.job}"
                ),
                expression=expression,
                platform=platform,
                task_definition_arn=self.task_definitions[p.size_for_job(schedule.job)].arn,
                container_name=CONTAINER_NAME,
                command=command,
                environment={
                    "ACME_JOB": schedule.job,
                    "ACME_SCHEDULE": schedule.name,
                    **schedule.env,
                },
                scheduler_role_arn=scheduler_role.arn,
                tags={"acme:source": source.name, "acme:job": schedule.job},
                parent=self,
            )
        self.manual_schedules = tuple(manual)

        self.register_outputs(
            {
                "repository_url": self.repository.repository_url,
                "task_families": list(self.task_families),
                "schedules": list(self.schedules),
            }
        )

    @staticmethod
    def _task_statements(args: SourcePipelineArgs) -> list[Statement]:
        """Least privilege for the running container: its own prefixes and secrets."""
        region = args.platform.region
        return [
            *s3_prefix_statements(
                "Stage",
                args.lake_bucket_arn,
                stage_prefix(args.source.name),
                STAGE_WRITE_ACTIONS,
            ),
            *s3_prefix_statements("State", args.state_bucket_arn, state_prefix(args.source.name), STATE_ACTIONS),
            {
                "Sid": "SourceLock",
                "Effect": "Allow",
                "Action": list(LOCK_ACTIONS),
                "Resource": args.lock_table_arn,
                # only this source's lock item
                "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [f"source-{args.source.name}"]}},
            },
            kms_via_service_statement(
                "DataKeyViaDynamoDB",
                args.data_key_arn,
                ["kms:Decrypt", "kms:GenerateDataKey"],
                "dynamodb",
                region,
            ),
            kms_via_service_statement(
                "DataKeyViaS3",
                args.data_key_arn,
                ["kms:Decrypt", "kms:GenerateDataKey"],
                "s3",
                region,
            ),
            read_secrets_statement("OwnSecrets", [args.extractor_secret_arn, args.loader_secret_arn]),
            kms_via_service_statement(
                "SecretsKeyViaSecretsManager",
                args.platform.secrets_key_arn,
                ["kms:Decrypt"],
                "secretsmanager",
                region,
            ),
        ]

    def _container(self, args: SourcePipelineArgs) -> dict[str, object]:
        source = args.source
        platform = args.platform
        state_uri = pulumi.Output.concat("s3://", args.state_bucket_name, "/", source.name)
        environment: dict[str, pulumi.Input[str]] = {
            "ACME_ENVIRONMENT": platform.prefix,
            "ACME_SOURCE": source.name,
            # Stage root: target-bronze writes <root>/<source>/<stream>/<run_id>/*.jsonl.gz.
            "ACME_STAGE_URL": pulumi.Output.concat("s3://", args.lake_bucket_name, "/stage"),
            "ACME_STAGE_BUCKET": args.lake_bucket_name,
            "ACME_STAGE_PREFIX": stage_prefix(source.name),
            # The prod Meltano environment maps this to MELTANO_STATE_BACKEND_URI.
            "ACME_MELTANO_STATE_URI": state_uri,
            "MELTANO_STATE_BACKEND_URI": state_uri,
            "MELTANO_ENVIRONMENT": platform.pipelines.meltano_environment,
            "SNOWFLAKE_STORAGE_INTEGRATION": args.storage_integration,
            # The source lock: the hourly delta and the daily full job never overlap.
            "ACME_LOCK_TABLE": args.lock_table_name,
            "ACME_EXTRACTOR_SECRET_ARN": args.extractor_secret_arn,
            "ACME_LOADER_SECRET_ARN": args.loader_secret_arn,
            "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        assert set(environment) >= PLATFORM_PROVIDED_ENV
        secret_arn = {"extractor": args.extractor_secret_arn, "loader": args.loader_secret_arn}
        # Injected by ECS from Secrets Manager at task start; values never appear in the task
        # definition. Sensitive Meltano settings use the setting name as JSON key, the other
        # ${VARS} of the prod environment's plugin config their own name.
        wanted: dict[str, tuple[str, str]] = {s.env_var: (s.secret_kind, s.setting) for s in source.sensitive_settings}
        for ref in source.env_references:
            if ref.name in environment or ref.name in wanted:
                continue
            if ref.origin == "environment":
                pulumi.log.warn(
                    f"{source.name}: the Meltano environment expects ${{{ref.name}}}, which "
                    "the platform does not provide"
                )
                continue
            wanted[ref.name] = (ref.origin, ref.name)
        secrets = [
            {
                "name": env_var,
                "valueFrom": pulumi.Output.concat(secret_arn[kind], ":", key, "::"),
            }
            for env_var, (kind, key) in sorted(wanted.items())
            if env_var not in environment
        ]
        image_tag = platform.pipelines.image_tag_for(source.name)
        return {
            "name": CONTAINER_NAME,
            "image": pulumi.Output.concat(self.repository.repository_url, ":", image_tag),
            "essential": True,
            "environment": [{"name": k, "value": v} for k, v in sorted(environment.items())],
            "secrets": secrets,
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": self.log_group.name,
                    "awslogs-region": platform.region,
                    "awslogs-stream-prefix": source.name,
                },
            },
        }
