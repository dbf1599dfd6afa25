"""Encryption, public access, secrets hygiene and the Snowflake trust boundary."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from acme_platform.settings import SettingsError, settings_from_config
from acme_platform.testing import (
    PLATFORM_DIR,
    BuiltStack,
    policy_allows,
    policy_denies,
    prod_config,
    prod_settings,
)


def by_bucket(stack: BuiltStack, typ: str) -> dict[str, dict[str, Any]]:
    """Inputs of ``typ`` resources keyed by the bucket they configure."""
    return {r.inputs["bucket"]: r.inputs for r in stack.mocks.of_type(f"aws:s3/{typ}")}


def buckets(stack: BuiltStack) -> dict[str, str]:
    """logical name -> bucket name"""
    return {r.name: r.outputs["bucket"] for r in stack.mocks.of_type("aws:s3/bucket:Bucket")}


def data_key_arn(stack: BuiltStack) -> str:
    return str(stack.mocks.named("data-lake-key").outputs["arn"])


def test_every_bucket_is_encrypted_with_the_data_lake_cmk(stack: BuiltStack) -> None:
    names = buckets(stack)
    assert set(names) == {"data-lake-lake", "data-lake-state"}
    encryption = by_bucket(stack, "bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    for bucket in names.values():
        (rule,) = encryption[bucket]["rules"]
        default = rule["applyServerSideEncryptionByDefault"]
        assert default["sseAlgorithm"] == "aws:kms"
        assert default["kmsMasterKeyId"] == data_key_arn(stack)
        assert rule["bucketKeyEnabled"] is True


def test_every_bucket_blocks_public_access(stack: BuiltStack) -> None:
    blocks = by_bucket(stack, "bucketPublicAccessBlock:BucketPublicAccessBlock")
    ownership = by_bucket(stack, "bucketOwnershipControls:BucketOwnershipControls")
    for bucket in buckets(stack).values():
        block = blocks[bucket]
        for setting in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"):
            assert block[setting] is True, (bucket, setting)
        assert ownership[bucket]["rule"]["objectOwnership"] == "BucketOwnerEnforced"


def test_every_bucket_is_versioned_and_tls_only(stack: BuiltStack) -> None:
    versioning = by_bucket(stack, "bucketVersioning:BucketVersioning")
    policies = by_bucket(stack, "bucketPolicy:BucketPolicy")
    for bucket in buckets(stack).values():
        assert versioning[bucket]["versioningConfiguration"]["status"] == "Enabled"
        policy = policies[bucket]["policy"]
        obj = f"arn:aws:s3:::{bucket}/stage/stripe/x.gz"
        assert policy_denies(policy, "s3:GetObject", obj, {"aws:SecureTransport": "false"})
        assert not policy_denies(policy, "s3:GetObject", obj, {"aws:SecureTransport": "true"})
        key_header = "s3:x-amz-server-side-encryption-aws-kms-key-id"
        assert policy_denies(policy, "s3:PutObject", obj, {key_header: "arn:aws:kms:other"})
        assert not policy_denies(policy, "s3:PutObject", obj, {key_header: data_key_arn(stack)})
        assert not policy_denies(policy, "s3:PutObject", obj)  # bucket default encryption
        statements = json.loads(policy)["Statement"]
        assert all(s["Effect"] == "Deny" for s in statements)  # no grants in bucket policies


def test_cmks_rotate_and_are_protected_from_deletion(stack: BuiltStack) -> None:
    keys = stack.mocks.of_type("aws:kms/key:Key")
    assert {k.name for k in keys} == {"data-lake-key", "secrets-key"}
    for key in keys:
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["deletionWindowInDays"] == 30


def test_stage_lifecycle_archives_expires_and_drops_old_versions(stack: BuiltStack) -> None:
    lake = buckets(stack)["data-lake-lake"]
    rules = {
        r["id"]: r for r in by_bucket(stack, "bucketLifecycleConfiguration:BucketLifecycleConfiguration")[lake]["rules"]
    }
    archive = rules["stage-archive"]
    assert archive["filter"]["prefix"] == "stage/"
    assert archive["transitions"] == [{"days": 30, "storageClass": "GLACIER_IR"}]
    assert archive["expiration"]["days"] == 730
    full = rules["full-snapshots-expire"]
    assert full["filter"]["and"]["tags"] == {"acme-sync-mode": "full"}
    assert full["expiration"]["days"] == 14 < archive["transitions"][0]["days"]
    housekeeping = rules["old-versions-and-uploads"]
    # Deleted/rewritten PII must not survive in old versions past the 72-hour deadline.
    assert housekeeping["noncurrentVersionExpiration"]["noncurrentDays"] <= 2
    assert housekeeping["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 1


def test_secrets_are_kms_encrypted_and_have_no_values_in_code(stack: BuiltStack) -> None:
    secrets = stack.mocks.of_type("aws:secretsmanager/secret:Secret")
    secrets_key = stack.mocks.named("secrets-key").outputs["arn"]
    prefix = stack.settings.prefix
    assert {s.inputs["name"] for s in secrets} == {
        *(f"{prefix}/{src}/{kind}" for src in ("stripe", "stripe_eu", "zendesk") for kind in ("extractor", "loader")),
        *(f"{prefix}/{src}/webhook-signing" for src in ("salesforce", "stripe", "zendesk")),
        f"{prefix}/transform/warehouse",
    }
    for secret in secrets:
        assert secret.inputs["kmsKeyId"] == secrets_key
    # No secret values are created by the program...
    assert not stack.mocks.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    for resource in stack.mocks.resources:
        assert not {"secretString", "secretBinary"} & set(resource.inputs), resource.name
    # ... nor hard-coded in task definitions: secrets are references (valueFrom) only.
    for task in stack.mocks.of_type("aws:ecs/taskDefinition:TaskDefinition"):
        for container in json.loads(task.inputs["containerDefinitions"]):
            for item in container.get("secrets", []):
                assert item["valueFrom"].startswith("arn:aws:secretsmanager:")


def test_source_code_and_stack_config_contain_no_secret_values() -> None:
    stack_config = (PLATFORM_DIR / "Pulumi.prod.yaml").read_text()
    assert "secure:" not in stack_config
    suspicious = re.compile(
        r"(sk_live_[0-9a-zA-Z]+|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|"
        r"secret_string\s*=)"
    )
    files = [*PLATFORM_DIR.glob("acme_platform/**/*.py"), PLATFORM_DIR / "__main__.py"]
    files += [PLATFORM_DIR / "Pulumi.prod.yaml", PLATFORM_DIR / "Pulumi.yaml"]
    for path in files:
        assert not suspicious.search(path.read_text()), path


def test_secret_config_values_are_refused() -> None:
    import pulumi
    from acme_platform.stack import read_project_config
    from acme_platform.testing import RecordingMocks
    from pulumi.runtime import config as runtime_config

    pulumi.runtime.set_mocks(RecordingMocks(), project="acme-cdp-platform", stack="t")
    try:
        runtime_config.set_all_config(
            {"acme-cdp-platform:environment": "prod", "acme-cdp-platform:snowflake": "{}"},
            secret_keys=["acme-cdp-platform:snowflake"],
        )
        with pytest.raises(SettingsError, match="secrets"):
            read_project_config("acme-cdp-platform")
        runtime_config.set_all_config({"acme-cdp-platform:environment": "prod", "acme-cdp-platform:apiKey": "x"}, [])
        with pytest.raises(SettingsError, match="unknown config keys"):
            read_project_config("acme-cdp-platform")
        runtime_config.set_all_config(
            {"acme-cdp-platform:environment": "prod", "acme-cdp-platform:alerts": '{"emails": []}'},
            [],
        )
        assert read_project_config("acme-cdp-platform") == {
            "environment": "prod",
            "alerts": {"emails": []},
        }
    finally:
        runtime_config.set_all_config({}, [])


def test_prod_stack_config_parses_and_rejects_typos(tmp_path: Path) -> None:
    settings = prod_settings()
    assert settings.prefix == "acme-cdp-prod"
    assert settings.sources_dir == (PLATFORM_DIR.parent / "sources").resolve()
    broken = prod_config()
    broken["dataLake"] = {**broken["dataLake"], "archiveAfterDay": 30}
    with pytest.raises(SettingsError, match="archiveAfterDay"):
        settings_from_config(broken, region="us-east-1", project_dir=tmp_path)
    broken = prod_config()
    broken["pipelines"]["jobSizes"]["stripe-full"] = {"cpu": 2048, "memory": 1024}
    with pytest.raises(SettingsError, match="not a Fargate size"):
        settings_from_config(broken, region="us-east-1", project_dir=tmp_path)
    broken = prod_config()
    broken["dataLake"]["noncurrentVersionExpireDays"] = 7
    with pytest.raises(SettingsError, match="72-hour"):
        settings_from_config(broken, region="us-east-1", project_dir=tmp_path)


def test_snowflake_role_reads_only_the_stage(stack: BuiltStack) -> None:
    lake = buckets(stack)["data-lake-lake"]
    policy = stack.mocks.named("snowflake-policy").inputs["policy"]
    assert policy_allows(policy, "s3:GetObject", f"arn:aws:s3:::{lake}/stage/stripe/a.gz")
    assert not policy_allows(policy, "s3:PutObject", f"arn:aws:s3:::{lake}/stage/stripe/a.gz")
    assert not policy_allows(policy, "s3:DeleteObject", f"arn:aws:s3:::{lake}/stage/stripe/a.gz")
    assert not policy_allows(policy, "s3:GetObject", f"arn:aws:s3:::{lake}/errors/webhooks/x")
    state = buckets(stack)["data-lake-state"]
    assert not policy_allows(policy, "s3:GetObject", f"arn:aws:s3:::{state}/stripe/state.json")
    trust = json.loads(stack.mocks.named("snowflake-role").inputs["assumeRolePolicy"])
    # Bootstrap (no DESC INTEGRATION values yet): own account + placeholder external ID.
    (statement,) = trust["Statement"]
    assert statement["Principal"]["AWS"] == "arn:aws:iam::123456789012:root"
    assert "sts:ExternalId" in statement["Condition"]["StringEquals"]


def test_snowflake_trust_uses_desc_integration_values(fake_sources_dir: Path, build: Callable[..., BuiltStack]) -> None:
    config = prod_config()
    config["snowflake"] = {
        "storageAwsIamUserArn": "arn:aws:iam::999999999999:user/abc-s-ohsn1234",
        "storageAwsExternalId": "ACME_SFCRole=2_abcdefg=",
        "snowpipeSqsArn": "arn:aws:sqs:us-east-1:999999999999:sf-snowpipe-AIDA",
    }
    settings = settings_from_config(config, region="us-east-1", project_dir=PLATFORM_DIR)
    import dataclasses

    stack = build(dataclasses.replace(settings, sources_dir=fake_sources_dir))
    trust = json.loads(stack.mocks.named("snowflake-role").inputs["assumeRolePolicy"])
    (statement,) = trust["Statement"]
    assert statement["Principal"]["AWS"] == "arn:aws:iam::999999999999:user/abc-s-ohsn1234"
    assert statement["Condition"]["StringEquals"]["sts:ExternalId"] == "ACME_SFCRole=2_abcdefg="
    notification = stack.mocks.named("snowflake-snowpipe-notifications").inputs
    prefixes = sorted(q["filterPrefix"] for q in notification["queues"])
    assert prefixes == [f"stage/{s}/webhook_events/" for s in ("salesforce", "stripe", "zendesk")]


def test_tasks_run_in_private_subnets_without_inbound_access(stack: BuiltStack) -> None:
    (sg,) = stack.mocks.of_type("aws:ec2/securityGroup:SecurityGroup")
    assert not sg.inputs.get("ingress")
    assert [(e["fromPort"], e["toPort"]) for e in sg.inputs["egress"]] == [(443, 443)]
    endpoint = stack.mocks.named("network-s3").inputs
    assert endpoint["vpcEndpointType"] == "Gateway"  # S3 traffic bypasses the NAT gateway
    for schedule in stack.mocks.of_type("aws:scheduler/schedule:Schedule"):
        network = schedule.inputs["target"]["ecsParameters"]["networkConfiguration"]
        assert network["assignPublicIp"] is False
        assert all("private" in subnet for subnet in network["subnets"])


def test_every_task_family_has_a_failure_alarm(stack: BuiltStack) -> None:
    rules = {
        r.inputs["name"]: json.loads(r.inputs["eventPattern"])
        for r in stack.mocks.of_type("aws:cloudwatch/eventRule:EventRule")
    }
    alarms = {r.inputs["name"]: r.inputs for r in stack.mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    topic_arn = stack.mocks.named("observability-alerts").outputs["arn"]
    families = {t.inputs["family"] for t in stack.mocks.of_type("aws:ecs/taskDefinition:TaskDefinition")}
    watched = {group.removeprefix("family:") for pattern in rules.values() for group in pattern["detail"]["group"]}
    assert families == watched
    for group in ("stripe", "stripe_eu", "zendesk", "transform"):
        alarm = alarms[f"acme-cdp-prod-{group}-task-failed"]
        assert alarm["metricName"] == "TriggeredRules"
        assert alarm["alarmActions"] == [topic_arn]
    assert alarms["acme-cdp-prod-scheduler-dlq"]["namespace"] == "AWS/SQS"
    for source in ("salesforce", "stripe", "zendesk"):
        freshness = alarms[f"acme-cdp-prod-webhooks-{source}-freshness"]
        assert freshness["threshold"] <= 900  # inside the 15-minute latency target
