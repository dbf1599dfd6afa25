"""Building blocks shared by the scheduled container jobs (source pipelines, dbt).

Each job gets its own ECR repository, log group, execution role, task role, task
definition(s) and scheduler role; nothing is shared between sources except the cluster,
the network and the schedule group, so one source's credentials or data cannot be
reached from another source's task.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from acme_platform.iam import (
    Statement,
    kms_via_service_statement,
    policy_document,
    read_secrets_statement,
    service_trust_policy,
)
from acme_platform.settings import PipelineSettings, ScheduleSettings, TaskSize

SCHEDULE_NAME_MAX = 64


@dataclass(frozen=True)
class JobPlatform:
    """What every scheduled job needs from the shared infrastructure."""

    prefix: str
    region: str
    account_id: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    schedule_group_name: pulumi.Input[str]
    dead_letter_queue_arn: pulumi.Input[str]
    secrets_key_arn: pulumi.Input[str]
    pipelines: PipelineSettings
    schedules: ScheduleSettings


def role(
    name: str,
    role_name: str,
    service: str,
    platform: JobPlatform,
    statements: Sequence[Statement],
    parent: pulumi.Resource,
    *,
    account_condition: bool = True,
) -> aws.iam.Role:
    """A role trusted by ``service`` (only for this account, where the service supports
    saying so) with one inline policy."""
    created = aws.iam.Role(
        name,
        name=role_name,
        assume_role_policy=service_trust_policy(service, platform.account_id if account_condition else None),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.iam.RolePolicy(
        f"{name}-policy",
        role=created.id,
        policy=policy_document(statements),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return created


def repository(name: str, repository_name: str, parent: pulumi.Resource) -> aws.ecr.Repository:
    repo = aws.ecr.Repository(
        name,
        name=repository_name,
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    aws.ecr.LifecyclePolicy(
        f"{name}-lifecycle",
        repository=repo.name,
        policy=json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "description": "keep the 30 most recent images",
                        "selection": {
                            "tagStatus": "any",
                            "countType": "imageCountMoreThan",
                            "countNumber": 30,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            }
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return repo


def log_group(name: str, log_group_name: str, retention_days: int, parent: pulumi.Resource) -> aws.cloudwatch.LogGroup:
    return aws.cloudwatch.LogGroup(
        name,
        name=log_group_name,
        retention_in_days=retention_days,
        opts=pulumi.ResourceOptions(parent=parent),
    )


def execution_role(
    name: str,
    role_name: str,
    platform: JobPlatform,
    repo: aws.ecr.Repository,
    logs: aws.cloudwatch.LogGroup,
    secret_arns: Sequence[pulumi.Input[str]],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    """The role ECS itself uses to start the task: pull the image, write logs, inject
    this job's secrets. Nothing else."""
    statements: list[Statement] = [
        {"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
        {
            "Sid": "PullImage",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            "Resource": repo.arn,
        },
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": pulumi.Output.concat(logs.arn, ":*"),
        },
    ]
    if secret_arns:
        statements += [
            read_secrets_statement("InjectSecrets", secret_arns),
            kms_via_service_statement(
                "DecryptSecrets",
                platform.secrets_key_arn,
                ["kms:Decrypt"],
                "secretsmanager",
                platform.region,
            ),
        ]
    return role(
        name,
        role_name,
        "ecs-tasks.amazonaws.com",
        platform,
        statements,
        parent,
        account_condition=False,  # the ECS agent's role: documented without conditions
    )


def task_definition(
    name: str,
    family: str,
    size: TaskSize,
    container: Mapping[str, Any],
    execution_role_arn: pulumi.Input[str],
    task_role_arn: pulumi.Input[str],
    platform: JobPlatform,
    parent: pulumi.Resource,
) -> aws.ecs.TaskDefinition:
    return aws.ecs.TaskDefinition(
        name,
        family=family,
        requires_compatibilities=["FARGATE"],
        network_mode="awsvpc",
        cpu=str(size.cpu),
        memory=str(size.memory),
        execution_role_arn=execution_role_arn,
        task_role_arn=task_role_arn,
        runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
            operating_system_family="LINUX",
            cpu_architecture=platform.pipelines.cpu_architecture,
        ),
        ephemeral_storage=(
            aws.ecs.TaskDefinitionEphemeralStorageArgs(size_in_gib=platform.pipelines.ephemeral_storage_gib)
            if platform.pipelines.ephemeral_storage_gib > 21
            else None
        ),
        container_definitions=pulumi.Output.json_dumps([container]),
        opts=pulumi.ResourceOptions(parent=parent),
    )


def scheduler_role(
    name: str,
    role_name: str,
    platform: JobPlatform,
    families: Sequence[str],
    passed_roles: Sequence[aws.iam.Role],
    parent: pulumi.Resource,
) -> aws.iam.Role:
    """The role EventBridge Scheduler assumes: run only these task families, in this
    cluster, pass only this job's roles, write to the dead-letter queue."""
    task_definitions = [
        pulumi.Output.concat(
            "arn:aws:ecs:",
            platform.region,
            ":",
            platform.account_id,
            ":task-definition/",
            family,
            ":*",
        )
        for family in families
    ]
    statements: list[Statement] = [
        {
            "Sid": "RunTask",
            "Effect": "Allow",
            "Action": "ecs:RunTask",
            "Resource": task_definitions,
            "Condition": {"ArnEquals": {"ecs:cluster": platform.cluster_arn}},
        },
        {
            "Sid": "TagTask",
            "Effect": "Allow",
            "Action": "ecs:TagResource",
            "Resource": pulumi.Output.concat("arn:aws:ecs:", platform.region, ":", platform.account_id, ":task/*"),
            "Condition": {"StringEquals": {"ecs:CreateAction": "RunTask"}},
        },
        {
            "Sid": "PassTaskRoles",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [r.arn for r in passed_roles],
            "Condition": {"StringLike": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        },
        {
            "Sid": "DeadLetter",
            "Effect": "Allow",
            "Action": "sqs:SendMessage",
            "Resource": platform.dead_letter_queue_arn,
        },
    ]
    return role(name, role_name, "scheduler.amazonaws.com", platform, statements, parent)


def schedule_name(job_owner: str, schedule: str) -> str:
    """``<owner>-<schedule>`` (without repeating the owner), at most 64 characters."""
    base = schedule if schedule.startswith(f"{job_owner}-") else f"{job_owner}-{schedule}"
    if len(base) <= SCHEDULE_NAME_MAX:
        return base
    digest = hashlib.sha256(base.encode()).hexdigest()[:8]
    return f"{base[: SCHEDULE_NAME_MAX - 9]}-{digest}"


def ecs_schedule(
    name: str,
    *,
    physical_name: str,
    description: str,
    expression: str,
    platform: JobPlatform,
    task_definition_arn: pulumi.Input[str],
    container_name: str,
    command: Sequence[str],
    environment: Mapping[str, str],
    scheduler_role_arn: pulumi.Input[str],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
) -> aws.scheduler.Schedule:
    """An EventBridge Scheduler schedule that starts one Fargate task with a command."""
    s = platform.schedules
    overrides = {
        "containerOverrides": [
            {
                "name": container_name,
                "command": list(command),
                "environment": [{"name": k, "value": v} for k, v in environment.items()],
            }
        ]
    }
    return aws.scheduler.Schedule(
        name,
        name=physical_name,
        description=description,
        group_name=platform.schedule_group_name,
        schedule_expression=expression,
        schedule_expression_timezone=s.timezone,
        state="ENABLED" if s.enabled else "DISABLED",
        flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(
            mode="FLEXIBLE" if s.flexible_window_minutes else "OFF",
            maximum_window_in_minutes=s.flexible_window_minutes or None,
        ),
        target=aws.scheduler.ScheduleTargetArgs(
            arn=platform.cluster_arn,
            role_arn=scheduler_role_arn,
            input=json.dumps(overrides),
            dead_letter_config=aws.scheduler.ScheduleTargetDeadLetterConfigArgs(arn=platform.dead_letter_queue_arn),
            retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                maximum_retry_attempts=s.retry_attempts,
                maximum_event_age_in_seconds=3600,
            ),
            ecs_parameters=aws.scheduler.ScheduleTargetEcsParametersArgs(
                task_definition_arn=task_definition_arn,
                launch_type="FARGATE",
                platform_version="LATEST",
                task_count=1,
                enable_ecs_managed_tags=True,
                propagate_tags="TASK_DEFINITION",
                tags=dict(tags),
                network_configuration=aws.scheduler.ScheduleTargetEcsParametersNetworkConfigurationArgs(
                    subnets=list(platform.subnet_ids),
                    security_groups=list(platform.security_group_ids),
                    assign_public_ip=False,
                ),
            ),
        ),
        opts=pulumi.ResourceOptions(parent=parent),
    )
