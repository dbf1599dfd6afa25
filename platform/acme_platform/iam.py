"""IAM policy documents as plain data.

Policies are built as dictionaries (values may be Pulumi inputs) and serialised with
``pulumi.Output.json_dumps``, which keeps them readable and lets tests parse the JSON the
provider receives.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

Statement = dict[str, Any]


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    return pulumi.Output.json_dumps({"Version": "2012-10-17", "Statement": list(statements)})


#: How each service identifies the account it acts for when it assumes a role, where AWS
#: documents it (confused-deputy protection). Services not listed get no condition: adding
#: one a service does not send would make the role unusable.
ACCOUNT_CONDITION_KEYS = {
    "ecs-tasks.amazonaws.com": "aws:SourceAccount",  # task roles (not the execution role)
    "scheduler.amazonaws.com": "aws:SourceAccount",
    "firehose.amazonaws.com": "sts:ExternalId",
}


def service_trust_policy(service: str, account_id: pulumi.Input[str] | None = None) -> pulumi.Output[str]:
    """Trust ``service`` to assume the role; with ``account_id``, only on behalf of this
    account (see :data:`ACCOUNT_CONDITION_KEYS`)."""
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if account_id is not None:
        key = ACCOUNT_CONDITION_KEYS.get(service)
        if key is None:
            raise ValueError(f"no documented account condition for {service}")
        statement["Condition"] = {"StringEquals": {key: account_id}}
    return policy_document([statement])


def s3_prefix_statements(
    sid: str,
    bucket_arn: pulumi.Input[str],
    prefix: str,
    actions: Sequence[str],
) -> list[Statement]:
    """Object ``actions`` on ``<bucket>/<prefix>*`` plus listing limited to that prefix.

    ``prefix`` must end with ``/`` so that ``stage/stripe/`` does not also match
    ``stage/stripe_eu/``.
    """
    if not prefix.endswith("/"):
        raise ValueError(f"S3 prefix {prefix!r} must end with '/'")
    return [
        {
            "Sid": f"{sid}Objects",
            "Effect": "Allow",
            "Action": sorted(actions),
            "Resource": pulumi.Output.concat(bucket_arn, "/", prefix, "*"),
        },
        {
            "Sid": f"{sid}List",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": bucket_arn,
            "Condition": {"StringLike": {"s3:prefix": [f"{prefix}*"]}},
        },
    ]


def kms_via_service_statement(
    sid: str, key_arn: pulumi.Input[str], actions: Sequence[str], service: str, region: str
) -> Statement:
    """Use of a KMS key only through ``service`` (S3, Secrets Manager) in this region."""
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": key_arn,
        "Condition": {"StringEquals": {"kms:ViaService": f"{service}.{region}.amazonaws.com"}},
    }


def read_secrets_statement(sid: str, secret_arns: Sequence[pulumi.Input[str]]) -> Statement:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
        "Resource": list(secret_arns),
    }


STAGE_WRITE_ACTIONS = (
    "s3:AbortMultipartUpload",
    "s3:GetObject",
    "s3:PutObject",
    "s3:PutObjectTagging",
)
STATE_ACTIONS = ("s3:DeleteObject", "s3:GetObject", "s3:PutObject")
