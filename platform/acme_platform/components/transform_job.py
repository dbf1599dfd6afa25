"""TransformJob: the dbt container (bronze -> silver -> gold) as a scheduled Fargate task."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from acme_platform.components import container_job as job
from acme_platform.iam import kms_via_service_statement, read_secrets_statement
from acme_platform.settings import TransformSettings

CONTAINER_NAME = "dbt"


@dataclass(frozen=True)
class TransformJobArgs:
    platform: job.JobPlatform
    settings: TransformSettings
    warehouse_secret_arn: pulumi.Input[str]


class TransformJob(pulumi.ComponentResource):
    """ECR repository, log group, roles, task definition and the dbt schedules from config.

    The dbt task talks to Snowflake only: its role reads its warehouse secret and has no
    S3 access at all. Schedules are plain EventBridge expressions from
    ``transform.schedules`` (e.g. hourly at :30, after the :00 loads); whether the loads
    are complete is checked by the orchestration CLI inside the container (gating).
    """

    repository: aws.ecr.Repository
    task_definition: aws.ecs.TaskDefinition
    task_role: aws.iam.Role
    schedules: dict[str, aws.scheduler.Schedule]
    task_families: tuple[str, ...]

    def __init__(self, name: str, args: TransformJobArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:TransformJob", name, None, opts)
        platform = args.platform
        base = f"{platform.prefix}-transform"

        self.repository = job.repository(f"{name}-repo", f"{platform.prefix}/transform", self)
        logs = job.log_group(
            f"{name}-logs",
            f"/{platform.prefix}/transform",
            platform.pipelines.log_retention_days,
            self,
        )
        execution_role = job.execution_role(
            f"{name}-exec-role",
            f"{base}-exec",
            platform,
            self.repository,
            logs,
            [args.warehouse_secret_arn],
            self,
        )
        self.task_role = job.role(
            f"{name}-task-role",
            f"{base}-task",
            "ecs-tasks.amazonaws.com",
            platform,
            [
                read_secrets_statement("WarehouseSecret", [args.warehouse_secret_arn]),
                kms_via_service_statement(
                    "SecretsKeyViaSecretsManager",
                    platform.secrets_key_arn,
                    ["kms:Decrypt"],
                    "secretsmanager",
                    platform.region,
                ),
            ],
            self,
        )
        container = {
            "name": CONTAINER_NAME,
            "image": pulumi.Output.concat(self.repository.repository_url, ":", args.settings.image_tag),
            "essential": True,
            "environment": [
                {"name": k, "value": v}
                for k, v in sorted(
                    {
                        **args.settings.environment,
                        "ACME_ENVIRONMENT": platform.prefix,
                        "ACME_WAREHOUSE_SECRET_ARN": args.warehouse_secret_arn,
                    }.items()
                )
            ],
            # transforms/profiles.yml reads these; JSON key = variable name.
            "secrets": [
                {
                    "name": name,
                    "valueFrom": pulumi.Output.concat(args.warehouse_secret_arn, ":", name, "::"),
                }
                for name in args.settings.secret_env
            ],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": logs.name,
                    "awslogs-region": platform.region,
                    "awslogs-stream-prefix": "dbt",
                },
            },
        }
        self.task_definition = job.task_definition(
            f"{name}-task",
            base,
            args.settings.task_size,
            container,
            execution_role.arn,
            self.task_role.arn,
            platform,
            self,
        )
        self.task_families = (base,)
        scheduler_role = job.scheduler_role(
            f"{name}-scheduler-role",
            f"{base}-scheduler",
            platform,
            self.task_families,
            [self.task_role, execution_role],
            self,
        )
        self.schedules = {
            s.name: job.ecs_schedule(
                f"{name}-schedule-{s.name}",
                physical_name=job.schedule_name("transform", s.name),
                description=f"dbt: {' '.join(s.command)}",
                expression=s.expression,
                platform=platform,
                task_definition_arn=self.task_definition.arn,
                container_name=CONTAINER_NAME,
                command=s.command,
                environment={"ACME_SCHEDULE": s.name},
                scheduler_role_arn=scheduler_role.arn,
                tags={"acme:source": "transform", "acme:job": s.name},
                parent=self,
            )
            for s in args.settings.schedules
        }
        self.register_outputs({"repository_url": self.repository.repository_url})
