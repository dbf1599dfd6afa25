"""Every Meltano source becomes a least-privilege, scheduled Fargate job."""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from acme_platform.components.source_pipeline import SourcePipeline
from acme_platform.schedule_expressions import meltano_interval_to_scheduler_expression
from acme_platform.settings import PlatformSettings
from acme_platform.testing import (
    PLATFORM_DIR,
    PROJECT,
    REPO_SOURCES,
    BuiltStack,
    RecordingMocks,
    build_stack,
    make_fake_sources,
    policy_allows,
    prod_config,
    prod_settings,
    resources_in,
    run_program,
    standard_schedules,
    write_meltano_yml,
)
from pulumi.runtime import config as runtime_config

TASK_DEF = "aws:ecs/taskDefinition:TaskDefinition"
SCHEDULE = "aws:scheduler/schedule:Schedule"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"


def task_definitions_of(stack: BuiltStack, source: str) -> list[dict[str, Any]]:
    family = f"{stack.settings.prefix}-{source}"
    return [
        r.inputs
        for r in stack.mocks.of_type(TASK_DEF)
        if r.inputs["family"] == family or r.inputs["family"].startswith(f"{family}-c")
    ]


def schedules_of(stack: BuiltStack, source: str) -> dict[str, dict[str, Any]]:
    prefix = f"source-{source}-schedule-"
    return {r.name[len(prefix) :]: r.inputs for r in stack.mocks.of_type(SCHEDULE) if r.name.startswith(prefix)}


def task_policy(stack: BuiltStack, source: str) -> str:
    return str(stack.mocks.named(f"source-{source}-task-role-policy").inputs["policy"])


def lake_and_state(stack: BuiltStack) -> tuple[str, str]:
    buckets = {r.name: r.outputs["bucket"] for r in stack.mocks.of_type("aws:s3/bucket:Bucket")}
    return buckets["data-lake-lake"], buckets["data-lake-state"]


def assert_each_source_deployed(stack: BuiltStack) -> None:
    """The core contract: a task definition per source, one schedule per timed schedule."""
    assert stack.sources, "no sources discovered"
    for source in stack.sources:
        assert task_definitions_of(stack, source.name), f"{source.name}: no task definition"
        timed = {s.name for s in source.schedules if meltano_interval_to_scheduler_expression(s.interval) is not None}
        assert set(schedules_of(stack, source.name)) == timed, source.name


def test_every_source_gets_a_task_definition_and_one_schedule_per_meltano_schedule(
    stack: BuiltStack,
) -> None:
    assert [s.name for s in stack.sources] == ["stripe", "stripe_eu", "zendesk"]
    assert_each_source_deployed(stack)
    assert len(schedules_of(stack, "stripe")) == 2
    assert len(schedules_of(stack, "stripe_eu")) == 2  # + one @once backfill: no timer
    assert stack.platform.pipelines["stripe_eu"].manual_schedules == ("backfill",)


def test_schedules_run_the_meltano_job_at_the_converted_time(stack: BuiltStack) -> None:
    schedules = schedules_of(stack, "stripe")
    hourly, daily = schedules["stripe-delta-hourly"], schedules["stripe-full-daily"]
    assert hourly["scheduleExpression"] == "cron(0 * * * ? *)"
    assert daily["scheduleExpression"] == "cron(30 2 * * ? *)"  # dailyHour/Minute in prod
    assert hourly["scheduleExpressionTimezone"] == "UTC"
    assert hourly["groupName"] == stack.settings.prefix

    overrides = json.loads(daily["target"]["input"])["containerOverrides"][0]
    assert overrides["name"] == "meltano"
    assert overrides["command"] == ["stripe-full"]  # the image's ENTRYPOINT is `meltano run`
    assert {"name": "ACME_JOB", "value": "stripe-full"} in overrides["environment"]

    target = daily["target"]
    assert target["ecsParameters"]["launchType"] == "FARGATE"
    assert target["ecsParameters"]["networkConfiguration"]["assignPublicIp"] is False
    assert target["deadLetterConfig"]["arn"].endswith("batch-scheduler-dlq")

    cron = schedules_of(stack, "stripe_eu")["business-hours"]
    assert cron["scheduleExpression"] == "cron(0/15 9-17 ? * MON-FRI *)"
    env = json.loads(cron["target"]["input"])["containerOverrides"][0]["environment"]
    assert {"name": "TAP_STRIPE_EU_LOOKBACK_MINUTES", "value": "30"} in env


def test_job_size_override_gets_its_own_task_definition(stack: BuiltStack) -> None:
    sizes = {(t["family"], t["cpu"], t["memory"]) for t in task_definitions_of(stack, "stripe")}
    prefix = stack.settings.prefix
    assert sizes == {
        (f"{prefix}-stripe", "512", "1024"),
        (f"{prefix}-stripe-c2048m8192", "2048", "8192"),  # jobSizes.stripe-full in prod
    }
    daily = schedules_of(stack, "stripe")["stripe-full-daily"]
    assert "stripe-c2048m8192" in daily["target"]["ecsParameters"]["taskDefinitionArn"]
    for task in task_definitions_of(stack, "stripe"):
        assert task["requiresCompatibilities"] == ["FARGATE"]
        assert task["networkMode"] == "awsvpc"


@pytest.mark.parametrize("source", ["stripe", "stripe_eu", "zendesk"])
def test_task_roles_cannot_touch_other_sources_prefixes(stack: BuiltStack, source: str) -> None:
    policy = task_policy(stack, source)
    lake, state = lake_and_state(stack)
    lake_arn, state_arn = f"arn:aws:s3:::{lake}", f"arn:aws:s3:::{state}"

    own = f"{lake_arn}/stage/{source}/orders/2025/01/01/part-0.jsonl.gz"
    assert policy_allows(policy, "s3:PutObject", own)
    assert policy_allows(policy, "s3:GetObject", own)
    assert policy_allows(policy, "s3:GetObject", f"{state_arn}/{source}/dev:tap-to-target/x")
    assert policy_allows(policy, "s3:ListBucket", lake_arn, {"s3:prefix": f"stage/{source}/orders/"})
    assert not policy_allows(policy, "s3:DeleteObject", own)  # stage files are immutable

    for other in {"stripe", "stripe_eu", "zendesk"} - {source}:
        for action in ("s3:GetObject", "s3:PutObject"):
            assert not policy_allows(policy, action, f"{lake_arn}/stage/{other}/x/part-0.gz")
            assert not policy_allows(policy, action, f"{state_arn}/{other}/state.json")
        assert not policy_allows(policy, "s3:ListBucket", lake_arn, {"s3:prefix": f"stage/{other}/"})
    assert not policy_allows(policy, "s3:ListBucket", lake_arn, {"s3:prefix": "stage/"})
    assert not policy_allows(policy, "s3:ListBucket", lake_arn)  # no prefix = whole bucket

    # Belt and braces: every S3 object ARN in the policy is inside this source's prefixes.
    for arn in resources_in(policy, "s3:"):
        assert arn in {lake_arn, state_arn} or arn in {
            f"{lake_arn}/stage/{source}/*",
            f"{state_arn}/{source}/*",
        }, arn


def test_task_roles_read_only_their_own_secrets(stack: BuiltStack) -> None:
    secret_arns = {r.inputs["name"]: r.outputs["arn"] for r in stack.mocks.of_type("aws:secretsmanager/secret:Secret")}
    prefix = stack.settings.prefix
    for source in ("stripe", "zendesk"):
        policy = task_policy(stack, source)
        for name, arn in secret_arns.items():
            own = name in {f"{prefix}/{source}/extractor", f"{prefix}/{source}/loader"}
            assert policy_allows(policy, "secretsmanager:GetSecretValue", arn) is own, name


def container_of(stack: BuiltStack, family: str) -> dict[str, Any]:
    (task,) = [t for t in stack.mocks.of_type(TASK_DEF) if t.inputs["family"] == family]
    definitions = json.loads(task.inputs["containerDefinitions"])
    assert len(definitions) == 1
    return dict(definitions[0])


def test_containers_get_what_the_meltano_prod_environment_expects(stack: BuiltStack) -> None:
    prefix = stack.settings.prefix
    container = container_of(stack, f"{prefix}-zendesk")
    secrets = {s["name"]: s["valueFrom"] for s in container["secrets"]}
    env = {e["name"]: e["value"] for e in container["environment"]}
    lake, state = lake_and_state(stack)
    arn = f"arn:aws:secretsmanager:us-east-1:123456789012:secret:{prefix}/zendesk"

    # Set by the platform (not secrets): stage root, state URI, environment, integration.
    assert env["ACME_STAGE_URL"] == f"s3://{lake}/stage"  # the loader adds <source>/<stream>/
    assert env["ACME_MELTANO_STATE_URI"] == f"s3://{state}/zendesk"
    assert env["MELTANO_ENVIRONMENT"] == "prod"
    assert env["SNOWFLAKE_STORAGE_INTEGRATION"] == "acme_cdp_prod_s3"
    # Sensitive settings: JSON key = setting name; ${VARS}: JSON key = variable name.
    assert secrets == {
        "TAP_ZENDESK_API_TOKEN": f"{arn}/extractor-AbCdEf:api_token::",
        "ZENDESK_SUBDOMAIN": f"{arn}/extractor-AbCdEf:ZENDESK_SUBDOMAIN::",
        "TARGET_BRONZE_SNOWFLAKE_PASSWORD": f"{arn}/loader-AbCdEf:snowflake_password::",
        "SNOWFLAKE_ACCOUNT": f"{arn}/loader-AbCdEf:SNOWFLAKE_ACCOUNT::",
        "SNOWFLAKE_USER": f"{arn}/loader-AbCdEf:SNOWFLAKE_USER::",
    }
    assert not set(secrets) & set(env)
    # The secret descriptions tell the operator which JSON keys to put.
    descriptions = {
        r.inputs["name"]: r.inputs["description"] for r in stack.mocks.of_type("aws:secretsmanager/secret:Secret")
    }
    assert "SNOWFLAKE_ACCOUNT" in descriptions[f"{prefix}/zendesk/loader"]
    assert "ACME_STAGE_URL" not in descriptions[f"{prefix}/zendesk/loader"]


def test_dbt_container_gets_the_profile_variables(stack: BuiltStack) -> None:
    container = container_of(stack, f"{stack.settings.prefix}-transform")
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["DBT_TARGET"] == "snowflake"
    assert {s["name"] for s in container["secrets"]} >= {"SNOWFLAKE_ACCOUNT", "SNOWFLAKE_USER"}
    policy = stack.mocks.named("transform-task-role-policy").inputs["policy"]
    assert not list(resources_in(policy, "s3:"))  # dbt has no S3 access at all


def test_log_configuration_points_at_the_sources_own_log_group(fake_sources_dir: Path) -> None:
    """Same check in the Output style of the Pulumi docs: inspect resolved outputs."""
    stack = build_stack(prod_settings(fake_sources_dir))
    pipeline: SourcePipeline = stack.platform.pipelines["stripe"]

    def check(args: list[Any]) -> None:
        definitions, log_group_name, retention = args
        options = json.loads(definitions)[0]["logConfiguration"]["options"]
        assert options["awslogs-group"] == log_group_name == "/acme-cdp-prod/sources/stripe"
        assert retention == 30

    task = next(iter(pipeline.task_definitions.values()))
    run_program(
        lambda: pulumi.Output.all(
            task.container_definitions, pipeline.log_group.name, pipeline.log_group.retention_in_days
        ).apply(check)
    )


def test_a_new_source_appears_without_code_changes(
    tmp_path: Path, build: Callable[[PlatformSettings], BuiltStack]
) -> None:
    sources = make_fake_sources(tmp_path)
    write_meltano_yml(sources, "hubspot", standard_schedules("hubspot"))  # from the template
    stack = build(prod_settings(sources))
    assert "hubspot" in stack.platform.pipelines
    assert_each_source_deployed(stack)
    assert {r.inputs["name"] for r in stack.mocks.of_type("aws:ecr/repository:Repository")} >= {"acme-cdp-prod/hubspot"}
    alarms = {r.inputs["name"] for r in stack.mocks.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert "acme-cdp-prod-hubspot-task-failed" in alarms


def test_real_repo_sources_are_deployed(build: Callable[[PlatformSettings], BuiltStack]) -> None:
    assert list(REPO_SOURCES.glob("*/meltano.yml")), f"no meltano.yml under {REPO_SOURCES}"
    stack = build(prod_settings(REPO_SOURCES))
    assert_each_source_deployed(stack)


def test_trust_policies_pin_the_account_where_aws_supports_it(stack: BuiltStack) -> None:
    def trust(name: str) -> dict[str, Any]:
        (statement,) = json.loads(stack.mocks.named(name).inputs["assumeRolePolicy"])["Statement"]
        return statement

    task = trust("source-stripe-task-role")
    assert task["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    assert task["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    scheduler = trust("source-stripe-scheduler-role")
    assert scheduler["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert scheduler["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert "Condition" not in trust("source-stripe-exec-role")
    scheduler_policy = stack.mocks.named("source-stripe-scheduler-role-policy").inputs["policy"]
    prefix = stack.settings.prefix
    own = f"arn:aws:ecs:us-east-1:123456789012:task-definition/{prefix}-stripe:7"
    other = f"arn:aws:ecs:us-east-1:123456789012:task-definition/{prefix}-stripe_eu:7"
    cluster = {"ecs:cluster": stack.mocks.named("batch-cluster").outputs["arn"]}
    assert policy_allows(scheduler_policy, "ecs:RunTask", own, cluster)
    assert not policy_allows(scheduler_policy, "ecs:RunTask", other, cluster)
    assert not policy_allows(scheduler_policy, "ecs:RunTask", own, {"ecs:cluster": "arn:other"})


def test_main_program_runs_with_the_prod_stack_config(fake_sources_dir: Path) -> None:
    """``__main__.py`` as ``pulumi preview`` runs it, with the values of Pulumi.prod.yaml."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack="prod", preview=True)
    values = {**prod_config(), "sourcesDir": str(fake_sources_dir)}
    config = {f"{PROJECT}:{k}": v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    runtime_config.set_all_config({**config, "aws:region": "us-east-1"}, [])
    try:
        run_program(lambda: runpy.run_path(str(PLATFORM_DIR / "__main__.py")) and None)
    finally:
        runtime_config.set_all_config({}, [])
    families = {r.inputs["family"] for r in mocks.of_type(TASK_DEF)}
    assert {"acme-cdp-prod-stripe", "acme-cdp-prod-zendesk", "acme-cdp-prod-transform"} <= families
    assert "aws:index/getCallerIdentity:getCallerIdentity" in mocks.calls


def test_each_source_job_holds_its_own_lock_item_in_the_lock_table(stack: BuiltStack) -> None:
    """The hourly delta and the daily full job of a source run on different hosts: the source lock
    (acme_orchestration/leases.py) is a DynamoDB item, and a job may touch only its own source's."""
    (table,) = stack.mocks.of_type("aws:dynamodb/table:Table")
    assert table.inputs["hashKey"] == "lock"
    assert table.inputs["ttl"] == {"attributeName": "expires_at", "enabled": True}
    assert table.inputs["serverSideEncryption"]["enabled"] is True
    table_arn = table.outputs["arn"]
    for source, other in (("zendesk", "stripe"), ("stripe", "zendesk")):
        env = {e["name"]: e["value"] for e in container_of(stack, f"{stack.settings.prefix}-{source}")["environment"]}
        assert env["ACME_LOCK_TABLE"] == table.outputs["name"]
        policy = task_policy(stack, source)
        own = {"dynamodb:LeadingKeys": f"source-{source}"}
        for action in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:GetItem"):
            assert policy_allows(policy, action, table_arn, own), action
        assert not policy_allows(policy, "dynamodb:PutItem", table_arn, {"dynamodb:LeadingKeys": f"source-{other}"})
        assert not policy_allows(policy, "dynamodb:Scan", table_arn, own)
