"""BatchCluster: the ECS cluster the scheduled containers run in, plus scheduling plumbing."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class BatchClusterArgs:
    prefix: str
    container_insights: bool = False


class BatchCluster(pulumi.ComponentResource):
    """ECS cluster (Fargate capacity only), EventBridge Scheduler group, and the dead-letter
    queue that receives schedule invocations EventBridge could not deliver (so a missed
    run raises an alarm instead of disappearing)."""

    cluster: aws.ecs.Cluster
    schedule_group: aws.scheduler.ScheduleGroup
    dead_letter_queue: aws.sqs.Queue

    def __init__(self, name: str, args: BatchClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:BatchCluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.prefix,
            settings=[
                aws.ecs.ClusterSettingArgs(
                    name="containerInsights",
                    value="enabled" if args.container_insights else "disabled",
                )
            ],
            opts=child,
        )
        aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity",
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE", weight=1
                )
            ],
            opts=child,
        )
        self.schedule_group = aws.scheduler.ScheduleGroup(f"{name}-schedules", name=args.prefix, opts=child)
        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-scheduler-dlq",
            name=f"{args.prefix}-scheduler-dlq",
            sqs_managed_sse_enabled=True,
            message_retention_seconds=14 * 24 * 3600,
            opts=child,
        )
        self.register_outputs({"cluster_arn": self.cluster.arn, "schedule_group": self.schedule_group.name})
