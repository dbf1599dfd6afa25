"""WebhookIngress: HTTP API -> Lambda (signature check) -> Firehose -> S3 stage."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from acme_platform.components.data_lake import STAGE_PREFIX, WEBHOOK_ERROR_PREFIX
from acme_platform.iam import (
    kms_via_service_statement,
    policy_document,
    read_secrets_statement,
    service_trust_policy,
)
from acme_platform.settings import WebhookSettings

HANDLER_FILE = Path(__file__).resolve().parent.parent / "webhook_lambda" / "handler.py"
WEBHOOK_STREAM = "webhook_events"


def webhook_prefix(source: str) -> str:
    """Where Firehose writes a source's webhook events (same layout as batch files)."""
    return f"{STAGE_PREFIX}{source}/{WEBHOOK_STREAM}/"


@dataclass(frozen=True)
class WebhookIngressArgs:
    prefix: str
    region: str
    account_id: pulumi.Input[str]
    settings: WebhookSettings
    signing_secret_arns: Mapping[str, pulumi.Input[str]]
    secrets_key_arn: pulumi.Input[str]
    lake_bucket_arn: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    log_retention_days: int


class WebhookIngress(pulumi.ComponentResource):
    """Receives Salesforce/Stripe/Zendesk webhooks and lands them in the stage.

    Sizing for 150 events/s peak: at ~100-150 ms per invocation the function needs ~25
    concurrent instances; it gets ``reserved_concurrency`` (default 100, 4x headroom, and
    a cap that protects the rest of the account). The API stage throttles at
    ``throttle_rate_per_second``/``throttle_burst`` (default 500/1000). One Firehose
    stream per source (default Direct PUT quota in the large regions: 2,000 requests/s,
    5 MiB/s each) buffers ``buffer_seconds`` (60 s) before writing a gzip JSONL file, so
    events reach S3 within ~1-2 minutes: well inside the 15-minute target, leaving the
    rest for Snowpipe and the near-real-time dbt models.
    """

    api: aws.apigatewayv2.Api
    function: aws.lambda_.Function
    streams: dict[str, aws.kinesis.FirehoseDeliveryStream]
    endpoints: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: WebhookIngressArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:WebhookIngress", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        s = args.settings

        self.streams = {source: self._firehose(name, source, args, child) for source in sorted(s.sources)}

        function_name = f"{args.prefix}-webhooks"
        function_logs = aws.cloudwatch.LogGroup(
            f"{name}-function-logs",
            name=f"/aws/lambda/{function_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        function_role = aws.iam.Role(
            f"{name}-function-role",
            name=f"{args.prefix}-webhooks-lambda",
            assume_role_policy=service_trust_policy("lambda.amazonaws.com"),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-function-policy",
            role=function_role.id,
            policy=policy_document(
                [
                    {
                        "Sid": "WriteLogs",
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": pulumi.Output.concat(function_logs.arn, ":*"),
                    },
                    {
                        "Sid": "PutToFirehose",
                        "Effect": "Allow",
                        "Action": ["firehose:PutRecord", "firehose:PutRecordBatch"],
                        "Resource": [stream.arn for stream in self.streams.values()],
                    },
                    read_secrets_statement("SigningSecrets", [args.signing_secret_arns[src] for src in self.streams]),
                    kms_via_service_statement(
                        "SecretsKeyViaSecretsManager",
                        args.secrets_key_arn,
                        ["kms:Decrypt"],
                        "secretsmanager",
                        args.region,
                    ),
                ]
            ),
            opts=child,
        )
        routing = {
            source: {
                "scheme": s.sources[source].scheme,
                "header": s.sources[source].header,
                "stream": stream.name,
                "secret_arn": args.signing_secret_arns[source],
            }
            for source, stream in self.streams.items()
        }
        self.function = aws.lambda_.Function(
            f"{name}-function",
            name=function_name,
            description="Verify webhook signatures and forward events to Firehose",
            runtime="python3.12",
            architectures=["arm64"],
            handler="handler.handler",
            code=pulumi.AssetArchive({"handler.py": pulumi.FileAsset(str(HANDLER_FILE))}),
            role=function_role.arn,
            memory_size=s.lambda_memory_mb,
            timeout=s.lambda_timeout_seconds,
            reserved_concurrent_executions=s.reserved_concurrency,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={"ACME_WEBHOOK_SOURCES": pulumi.Output.json_dumps(routing)}
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=function_logs.name),
            opts=child,
        )

        self.api = aws.apigatewayv2.Api(
            f"{name}-api",
            name=f"{args.prefix}-webhooks",
            protocol_type="HTTP",
            description="Inbound webhooks (Salesforce, Stripe, Zendesk)",
            opts=child,
        )
        integration = aws.apigatewayv2.Integration(
            f"{name}-integration",
            api_id=self.api.id,
            integration_type="AWS_PROXY",
            integration_uri=self.function.invoke_arn,
            payload_format_version="2.0",
            timeout_milliseconds=min(29_000, s.lambda_timeout_seconds * 1000 + 1000),
            opts=child,
        )
        aws.apigatewayv2.Route(
            f"{name}-route",
            api_id=self.api.id,
            route_key="POST /webhooks/{source}",
            target=pulumi.Output.concat("integrations/", integration.id),
            opts=child,
        )
        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=f"/{args.prefix}/webhooks/access",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=self.api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings=aws.apigatewayv2.StageDefaultRouteSettingsArgs(
                throttling_rate_limit=s.throttle_rate_per_second,
                throttling_burst_limit=s.throttle_burst,
            ),
            access_log_settings=aws.apigatewayv2.StageAccessLogSettingsArgs(
                destination_arn=access_logs.arn,
                format=(
                    '{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",'
                    '"time":"$context.requestTime","route":"$context.routeKey",'
                    '"path":"$context.path","status":"$context.status",'
                    '"latency":"$context.integrationLatency"}'
                ),
            ),
            opts=child,
        )
        aws.lambda_.Permission(
            f"{name}-invoke",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.concat(self.api.execution_arn, "/*/*/webhooks/*"),
            opts=child,
        )
        self.endpoints = {
            source: pulumi.Output.concat(self.api.api_endpoint, "/webhooks/", source) for source in self.streams
        }
        self.register_outputs({"endpoints": self.endpoints})

    def _firehose(
        self,
        name: str,
        source: str,
        args: WebhookIngressArgs,
        child: pulumi.ResourceOptions,
    ) -> aws.kinesis.FirehoseDeliveryStream:
        s = args.settings
        stream_name = f"{args.prefix}-{source}-webhooks"
        logs = aws.cloudwatch.LogGroup(
            f"{name}-{source}-firehose-logs",
            name=f"/aws/kinesisfirehose/{stream_name}",
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        log_stream = aws.cloudwatch.LogStream(
            f"{name}-{source}-firehose-delivery",
            name="DestinationDelivery",
            log_group_name=logs.name,
            opts=child,
        )
        data_prefix = webhook_prefix(source)
        error_prefix = f"{WEBHOOK_ERROR_PREFIX}{source}/"
        firehose_role = aws.iam.Role(
            f"{name}-{source}-firehose-role",
            name=f"{args.prefix}-{source}-webhooks-firehose",
            assume_role_policy=service_trust_policy("firehose.amazonaws.com", args.account_id),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-{source}-firehose-policy",
            role=firehose_role.id,
            policy=policy_document(
                [
                    {
                        "Sid": "WriteOwnPrefixes",
                        "Effect": "Allow",
                        "Action": ["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                        "Resource": [
                            pulumi.Output.concat(args.lake_bucket_arn, "/", data_prefix, "*"),
                            pulumi.Output.concat(args.lake_bucket_arn, "/", error_prefix, "*"),
                        ],
                    },
                    {
                        "Sid": "Bucket",
                        "Effect": "Allow",
                        "Action": ["s3:GetBucketLocation", "s3:ListBucketMultipartUploads"],
                        "Resource": args.lake_bucket_arn,
                    },
                    kms_via_service_statement(
                        "DataKeyViaS3",
                        args.data_key_arn,
                        ["kms:Decrypt", "kms:GenerateDataKey"],
                        "s3",
                        args.region,
                    ),
                    {
                        "Sid": "Logs",
                        "Effect": "Allow",
                        "Action": "logs:PutLogEvents",
                        "Resource": pulumi.Output.concat(logs.arn, ":*"),
                    },
                ]
            ),
            opts=child,
        )
        return aws.kinesis.FirehoseDeliveryStream(
            f"{name}-{source}-firehose",
            name=stream_name,
            destination="extended_s3",
            server_side_encryption=aws.kinesis.FirehoseDeliveryStreamServerSideEncryptionArgs(
                enabled=True, key_type="AWS_OWNED_CMK"
            ),
            extended_s3_configuration=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationArgs(
                role_arn=firehose_role.arn,
                bucket_arn=args.lake_bucket_arn,
                prefix=f"{data_prefix}!{{timestamp:yyyy/MM/dd/HH}}/",
                error_output_prefix=(f"{error_prefix}!{{firehose:error-output-type}}/!{{timestamp:yyyy/MM/dd}}/"),
                buffering_interval=s.buffer_seconds,
                buffering_size=s.buffer_mib,
                compression_format="GZIP",
                file_extension=".jsonl.gz",
                kms_key_arn=args.data_key_arn,
                cloudwatch_logging_options=aws.kinesis.FirehoseDeliveryStreamExtendedS3ConfigurationCloudwatchLoggingOptionsArgs(
                    enabled=True, log_group_name=logs.name, log_stream_name=log_stream.name
                ),
            ),
            opts=child,
        )
