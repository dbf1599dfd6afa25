"""DataLake: the KMS key and the two S3 buckets (stage/raw files, Meltano state)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from acme_platform.iam import policy_document
from acme_platform.settings import DataLakeSettings

#: Object tag the loader sets on files of full (daily) runs; they expire sooner.
SYNC_MODE_TAG = "acme-sync-mode"
STAGE_PREFIX = "stage/"
WEBHOOK_ERROR_PREFIX = "errors/webhooks/"


@dataclass(frozen=True)
class DataLakeArgs:
    prefix: str
    settings: DataLakeSettings


class DataLake(pulumi.ComponentResource):
    """KMS customer-managed key (yearly rotation) and two private, SSE-KMS, versioned buckets.

    * ``lake_bucket``: ``stage/<source>/<stream>/...`` gzip JSONL files, read by Snowflake
      ``COPY INTO``; after ``archive_after_days`` they move to Glacier Instant Retrieval (the
      raw archive: replays stay possible without a restore), and are deleted after
      ``expire_after_days``. Full-snapshot files (tag ``acme-sync-mode=full``) expire
      after ``full_snapshot_expire_days``.
    * ``state_bucket``: Meltano state (``s3://<state_bucket>/<source>/...``).
    * ``lock_table``: DynamoDB items that keep a source's jobs from overlapping (``ACME_LOCK_TABLE``).

    Overwritten or deleted object versions expire after 1-2 days so that a file rewritten
    by a deletion request does not keep the erased PII in an old version.
    """

    key: aws.kms.Key
    lake_bucket: aws.s3.Bucket
    state_bucket: aws.s3.Bucket
    lock_table: aws.dynamodb.Table

    def __init__(self, name: str, args: DataLakeArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("acme:platform:DataLake", name, None, opts)
        s = args.settings
        keep = pulumi.ResourceOptions(parent=self, protect=s.protect)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{args.prefix}: data lake (stage files, Meltano state)",
            enable_key_rotation=True,
            rotation_period_in_days=365,
            deletion_window_in_days=30,
            opts=keep,
        )
        aws.kms.Alias(
            f"{name}-key-alias",
            name=f"alias/{args.prefix}-data",
            target_key_id=self.key.key_id,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.lake_bucket = self._private_bucket(name, "lake", args.prefix, keep)
        self.state_bucket = self._private_bucket(name, "state", args.prefix, keep)

        lake_rules: list[aws.s3.BucketLifecycleConfigurationRuleArgs] = [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="full-snapshots-expire",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(
                    and_=aws.s3.BucketLifecycleConfigurationRuleFilterAndArgs(
                        prefix=STAGE_PREFIX, tags={SYNC_MODE_TAG: "full"}
                    )
                ),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=s.full_snapshot_expire_days),
            ),
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="stage-archive",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=STAGE_PREFIX),
                transitions=[
                    aws.s3.BucketLifecycleConfigurationRuleTransitionArgs(
                        days=s.archive_after_days, storage_class=s.archive_storage_class
                    )
                ],
                expiration=(
                    aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=s.expire_after_days)
                    if s.expire_after_days is not None
                    else None
                ),
            ),
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="webhook-errors-expire",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=WEBHOOK_ERROR_PREFIX),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=s.webhook_error_expire_days),
            ),
            *self._housekeeping_rules(s.noncurrent_version_expire_days),
        ]
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lake-lifecycle",
            bucket=self.lake_bucket.id,
            rules=lake_rules,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Meltano state is small and PII-free: keep a month of history for rollbacks.
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-state-lifecycle",
            bucket=self.state_bucket.id,
            rules=self._housekeeping_rules(30),
            opts=pulumi.ResourceOptions(parent=self),
        )

        # Source locks of the running jobs (acme_orchestration/leases.py): one item per source,
        # a lease renewed while the job runs; `expires_at` is the TTL, so abandoned items go away.
        self.lock_table = aws.dynamodb.Table(
            f"{name}-locks",
            name=f"{args.prefix}-locks",
            billing_mode="PAY_PER_REQUEST",
            hash_key="lock",
            attributes=[aws.dynamodb.TableAttributeArgs(name="lock", type="S")],
            ttl=aws.dynamodb.TableTtlArgs(attribute_name="expires_at", enabled=True),
            server_side_encryption=aws.dynamodb.TableServerSideEncryptionArgs(enabled=True, kms_key_arn=self.key.arn),
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.register_outputs(
            {
                "key_arn": self.key.arn,
                "lake_bucket": self.lake_bucket.bucket,
                "state_bucket": self.state_bucket.bucket,
                "lock_table": self.lock_table.name,
            }
        )

    def _private_bucket(self, name: str, role: str, prefix: str, keep: pulumi.ResourceOptions) -> aws.s3.Bucket:
        child = pulumi.ResourceOptions(parent=self)
        bucket = aws.s3.Bucket(f"{name}-{role}", bucket_prefix=f"{prefix}-{role}-", opts=keep)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-{role}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-{role}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-{role}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=(
                        aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                            sse_algorithm="aws:kms", kms_master_key_id=self.key.arn
                        )
                    ),
                    # One data key per bucket instead of a KMS call per object: KMS cost.
                    bucket_key_enabled=True,
                )
            ],
            opts=child,
        )
        aws.s3.BucketVersioning(
            f"{name}-{role}-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-{role}-policy",
            bucket=bucket.id,
            policy=policy_document(
                [
                    {
                        "Sid": "DenyInsecureTransport",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": [bucket.arn, pulumi.Output.concat(bucket.arn, "/*")],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    },
                    {
                        "Sid": "DenyOtherEncryptionKeys",
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": pulumi.Output.concat(bucket.arn, "/*"),
                        # Only when a key is named: uploads without the header get the
                        # bucket default (this key). ``...IfExists`` would deny those too.
                        "Condition": {
                            "StringNotEquals": {"s3:x-amz-server-side-encryption-aws-kms-key-id": self.key.arn},
                            "Null": {"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
                        },
                    },
                ]
            ),
            opts=child,
        )
        return bucket

    @staticmethod
    def _housekeeping_rules(
        noncurrent_days: int,
    ) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
        return [
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="old-versions-and-uploads",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                noncurrent_version_expiration=(
                    aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=noncurrent_days
                    )
                ),
                abort_incomplete_multipart_upload=(
                    aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=1)
                ),
            ),
            aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expired-delete-markers",
                status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(expired_object_delete_marker=True),
            ),
        ]
