"""SnowflakeIntegration: the AWS side of the Snowflake storage integration.

The Snowflake side (``CREATE STORAGE INTEGRATION``, stages, pipes) is not managed here; the
README has the SQL. Bootstrap is two passes because each side needs the other's ID:

1. ``pulumi up`` with ``snowflake.storageAwsIamUserArn`` unset creates the role with a
   placeholder trust (this account, an external ID nobody uses), so its ARN exists;
2. ``CREATE STORAGE INTEGRATION ... STORAGE_AWS_ROLE_ARN = '<snowflakeRoleArn>'`` then
   ``DESC INTEGRATION`` gives ``STORAGE_AWS_IAM_USER_ARN`` and ``STORAGE_AWS_EXTERNAL_ID``;
   put them in the stack config and ``pulumi up`` again: only Snowflake can assume the role.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from acme_platform.components.data_lake import STAGE_PREFIX
from acme_platform.iam import kms_via_service_statement, policy_document
from acme_platform.settings import SnowflakeSettings

BOOTSTRAP_EXTERNAL_ID = "acme-bootstrap-replace-with-desc-integration"


@dataclass(frozen=True)
class SnowflakeIntegrationArgs:
    prefix: str
    region: str
    account_id: pulumi.Input[str]
    settings: SnowflakeSettings
    lake_bucket_name: pulumi.Input[str]
    lake_bucket_arn: pulumi.Input[str]
    data_key_arn: pulumi.Input[str]
    #: Prefixes whose new files should be pushed to Snowpipe (webhook events).
    auto_ingest_prefixes: Sequence[str] = ()


class SnowflakeIntegration(pulumi.ComponentResource):
    """IAM role that Snowflake assumes to read ``stage/`` of the lake bucket (read-only:
    ``COPY INTO`` never deletes or rewrites stage files), and optionally S3 event
    notifications to the Snowpipe SQS queue for the webhook prefixes."""

    role: aws.iam.Role
    stage_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SnowflakeIntegrationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("acme:platform:SnowflakeIntegration", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        s = args.settings

        if s.storage_aws_iam_user_arn and s.storage_aws_external_id:
            principal: pulumi.Input[str] = s.storage_aws_iam_user_arn
            external_id = s.storage_aws_external_id
        else:
            pulumi.log.warn(
                "snowflake.storageAwsIamUserArn/storageAwsExternalId not set: the Snowflake "
                "role trusts only this account with a placeholder external ID (bootstrap). "
                "Run DESC INTEGRATION and set them (see platform/README.md)."
            )
            principal = pulumi.Output.concat("arn:aws:iam::", args.account_id, ":root")
            external_id = BOOTSTRAP_EXTERNAL_ID

        self.role = aws.iam.Role(
            f"{name}-role",
            name=f"{args.prefix}-snowflake-storage",
            description="Assumed by the Snowflake storage integration to read the stage",
            assume_role_policy=policy_document(
                [
                    {
                        "Effect": "Allow",
                        "Principal": {"AWS": principal},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"sts:ExternalId": external_id}},
                    }
                ]
            ),
            opts=child,
        )
        aws.iam.RolePolicy(
            f"{name}-policy",
            role=self.role.id,
            policy=policy_document(
                [
                    {
                        "Sid": "ReadStage",
                        "Effect": "Allow",
                        "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                        "Resource": pulumi.Output.concat(args.lake_bucket_arn, "/", STAGE_PREFIX, "*"),
                    },
                    {
                        "Sid": "ListStage",
                        "Effect": "Allow",
                        "Action": "s3:ListBucket",
                        "Resource": args.lake_bucket_arn,
                        "Condition": {"StringLike": {"s3:prefix": [f"{STAGE_PREFIX}*"]}},
                    },
                    {
                        "Sid": "BucketLocation",
                        "Effect": "Allow",
                        "Action": "s3:GetBucketLocation",
                        "Resource": args.lake_bucket_arn,
                    },
                    kms_via_service_statement("DecryptViaS3", args.data_key_arn, ["kms:Decrypt"], "s3", args.region),
                ]
            ),
            opts=child,
        )

        if s.snowpipe_sqs_arn and args.auto_ingest_prefixes:
            aws.s3.BucketNotification(
                f"{name}-snowpipe-notifications",
                bucket=args.lake_bucket_name,
                queues=[
                    aws.s3.BucketNotificationQueueArgs(
                        id=f"snowpipe-{index}",
                        queue_arn=s.snowpipe_sqs_arn,
                        events=["s3:ObjectCreated:*"],
                        filter_prefix=prefix,
                    )
                    for index, prefix in enumerate(args.auto_ingest_prefixes)
                ],
                opts=child,
            )

        self.stage_url = pulumi.Output.concat("s3://", args.lake_bucket_name, "/", STAGE_PREFIX)
        self.register_outputs({"role_arn": self.role.arn, "stage_url": self.stage_url})
