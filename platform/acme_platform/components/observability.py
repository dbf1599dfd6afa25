"""Observability: the alert topic and the alarms that page the data engineers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from acme_platform.iam import policy_document


@dataclass(frozen=True)
class ObservabilityArgs:
    prefix: str
    account_id: pulumi.Input[str]
    cluster_arn: pulumi.Input[str]
    #: Alarm group (source name, ``transform``) -> ECS task families to watch.
    task_families: Mapping[str, Sequence[str]]
    dead_letter_queue_name: pulumi.Input[str]
    log_retention_days: int
    alert_emails: Sequence[str] = ()
    webhook_function_name: pulumi.Input[str] | None = None
    webhook_api_id: pulumi.Input[str] | None = None
    firehose_stream_names: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    #: Alarm when webhook files are older than this in Firehose (latency target: 15 min).
    firehose_freshness_seconds: int = 600


class Observability(pulumi.ComponentResource):
    """SNS topic ``<prefix>-alerts`` (e-mail subscriptions from config) and alarms:

    * per source (and dbt): an EventBridge rule matches its ECS tasks that stop with a
      non-zero exit code or fail to start, records the event in the
      ``/aws/events/<prefix>/task-failures`` log group (who/why, for the run history), and a
      CloudWatch alarm on the rule's ``TriggeredRules`` metric notifies the topic;
    * the scheduler dead-letter queue is not empty (a schedule could not start its task);
    * webhook Lambda errors/throttles, API 5xx, and Firehose data freshness per stream.

    Data freshness and load status in the warehouse are dbt/elementary's job (source
    freshness tests), not duplicated here.
    """

    topic: aws.sns.Topic
    alarms: dict[str, aws.cloudwatch.MetricAlarm]

    def __init__(self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:Observability", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.alarms = {}

        self.topic = aws.sns.Topic(f"{name}-alerts", name=f"{args.prefix}-alerts", opts=child)
        if not args.alert_emails:
            pulumi.log.warn("alerts.emails is empty: alarms notify a topic nobody subscribes to")
        for index, email in enumerate(args.alert_emails):
            aws.sns.TopicSubscription(
                f"{name}-alerts-email-{index}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
        aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=self.topic.arn,
            policy=policy_document(
                [
                    {
                        "Sid": "CloudWatchAlarms",
                        "Effect": "Allow",
                        "Principal": {"Service": "cloudwatch.amazonaws.com"},
                        "Action": "sns:Publish",
                        "Resource": self.topic.arn,
                        "Condition": {"StringEquals": {"aws:SourceAccount": args.account_id}},
                    },
                    {
                        "Sid": "AccountOwner",
                        "Effect": "Allow",
                        "Principal": {"AWS": pulumi.Output.concat("arn:aws:iam::", args.account_id, ":root")},
                        "Action": [
                            "sns:GetTopicAttributes",
                            "sns:Publish",
                            "sns:Subscribe",
                            "sns:SetTopicAttributes",
                        ],
                        "Resource": self.topic.arn,
                    },
                ]
            ),
            opts=child,
        )

        failures_log = aws.cloudwatch.LogGroup(
            f"{name}-task-failures",
            name=f"/aws/events/{args.prefix}/task-failures",
            retention_in_days=max(args.log_retention_days, 90),
            opts=child,
        )
        aws.cloudwatch.LogResourcePolicy(
            f"{name}-task-failures-policy",
            policy_name=f"{args.prefix}-task-failures",
            policy_document=policy_document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": ["events.amazonaws.com", "delivery.logs.amazonaws.com"]},
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": pulumi.Output.concat(failures_log.arn, ":*"),
                    }
                ]
            ),
            opts=child,
        )
        for group, families in sorted(args.task_families.items()):
            self._task_failure_alarm(name, group, families, failures_log, args, child)

        self._alarm(
            name,
            "scheduler-dlq",
            "A schedule could not start its ECS task (see the scheduler DLQ)",
            namespace="AWS/SQS",
            metric="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": args.dead_letter_queue_name},
            statistic="Maximum",
            threshold=1,
            args=args,
            child=child,
        )
        if args.webhook_function_name is not None:
            for metric, threshold in (("Errors", 5), ("Throttles", 1)):
                self._alarm(
                    name,
                    f"webhooks-lambda-{metric.lower()}",
                    f"Webhook Lambda {metric.lower()} (senders will retry; check logs)",
                    namespace="AWS/Lambda",
                    metric=metric,
                    dimensions={"FunctionName": args.webhook_function_name},
                    statistic="Sum",
                    threshold=threshold,
                    args=args,
                    child=child,
                )
        if args.webhook_api_id is not None:
            self._alarm(
                name,
                "webhooks-api-5xx",
                "Webhook API returns 5xx",
                namespace="AWS/ApiGateway",
                metric="5xx",
                dimensions={"ApiId": args.webhook_api_id, "Stage": "$default"},
                statistic="Sum",
                threshold=5,
                args=args,
                child=child,
            )
        for source, stream in sorted(args.firehose_stream_names.items()):
            self._alarm(
                name,
                f"webhooks-{source}-freshness",
                f"{source} webhook events wait more than "
                f"{args.firehose_freshness_seconds}s in Firehose (15-minute latency target)",
                namespace="AWS/Firehose",
                metric="DeliveryToS3.DataFreshness",
                dimensions={"DeliveryStreamName": stream},
                statistic="Maximum",
                threshold=args.firehose_freshness_seconds,
                args=args,
                child=child,
                evaluation_periods=2,
            )
        self.register_outputs({"topic_arn": self.topic.arn})

    def _task_failure_alarm(
        self,
        name: str,
        group: str,
        families: Sequence[str],
        failures_log: aws.cloudwatch.LogGroup,
        args: ObservabilityArgs,
        child: pulumi.ResourceOptions,
    ) -> None:
        pattern = {
            "source": ["aws.ecs"],
            "detail-type": ["ECS Task State Change"],
            "detail": {
                "clusterArn": [args.cluster_arn],
                "lastStatus": ["STOPPED"],
                "group": [f"family:{family}" for family in families],
                "$or": [
                    {"containers": {"exitCode": [{"anything-but": 0}]}},
                    {"stopCode": ["TaskFailedToStart"]},
                ],
            },
        }
        rule = aws.cloudwatch.EventRule(
            f"{name}-{group}-task-failed",
            name=f"{args.prefix}-{group}-task-failed",
            description=f"ECS tasks of {group} that failed",
            event_pattern=pulumi.Output.json_dumps(pattern),
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-{group}-task-failed-log",
            rule=rule.name,
            arn=failures_log.arn,
            opts=child,
        )
        self._alarm(
            name,
            f"{group}-task-failed",
            f"An ECS task of {group} failed (details: /aws/events/{args.prefix}/task-failures)",
            namespace="AWS/Events",
            metric="TriggeredRules",
            dimensions={"RuleName": rule.name},
            statistic="Sum",
            threshold=1,
            args=args,
            child=child,
            notify_ok=False,
        )

    def _alarm(
        self,
        name: str,
        key: str,
        description: str,
        *,
        namespace: str,
        metric: str,
        dimensions: Mapping[str, pulumi.Input[str]],
        statistic: str,
        threshold: float,
        args: ObservabilityArgs,
        child: pulumi.ResourceOptions,
        evaluation_periods: int = 1,
        notify_ok: bool = True,
    ) -> None:
        self.alarms[key] = aws.cloudwatch.MetricAlarm(
            f"{name}-{key}",
            name=f"{args.prefix}-{key}",
            alarm_description=description,
            namespace=namespace,
            metric_name=metric,
            dimensions=dict(dimensions),
            statistic=statistic,
            period=300,
            evaluation_periods=evaluation_periods,
            threshold=threshold,
            comparison_operator="GreaterThanOrEqualToThreshold",
            treat_missing_data="notBreaching",
            alarm_actions=[self.topic.arn],
            ok_actions=[self.topic.arn] if notify_ok else [],
            opts=child,
        )
