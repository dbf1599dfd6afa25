"""The monthly estimate stays under the $18K budget, given the inputs in cost_inputs.yaml."""

from __future__ import annotations

import copy

import pytest
from acme_platform.cost_model import (
    README,
    estimate,
    load_inputs,
    readme_section,
    render_markdown,
)
from acme_platform.testing import prod_settings


def test_estimate_stays_under_budget() -> None:
    result = estimate(load_inputs())
    assert result.budget_usd == 18_000
    assert result.within_budget, render_markdown(result)
    # Contingency is included before the comparison.
    assert result.total == pytest.approx(result.subtotal * 1.2)


def test_line_items_cover_the_stack_and_add_up() -> None:
    result = estimate(load_inputs())
    assert all(item.usd >= 0 for item in result.items)
    assert sum(result.by_category().values()) == pytest.approx(result.subtotal)
    assert set(result.by_category()) == {
        "Compute",
        "Storage",
        "Webhooks",
        "Network",
        "Observability",
        "Snowflake",
    }
    names = " ".join(item.item for item in result.items)
    for expected in (
        "Fargate stripe",
        "S3 raw archive",
        "KMS",
        "API Gateway",
        "Lambda",
        "Firehose",
        "NAT",
        "CloudWatch",
    ):
        assert expected in names


def test_storage_follows_twelve_tb_plus_growth() -> None:
    inputs = load_inputs()
    archive = next(i for i in estimate(inputs).items if i.item == "S3 raw archive (Glacier IR)")
    assert archive.basis.startswith("16.4 TB")  # 12 + 0.4 x 12 - the 30-day hot part
    later = copy.deepcopy(inputs)
    later["storage"]["horizon_months"] = 24
    archive_later = next(i for i in estimate(later).items if i.item == "S3 raw archive (Glacier IR)")
    assert archive_later.usd > archive.usd


def test_webhooks_are_priced_at_sustained_peak() -> None:
    inputs = load_inputs()
    assert inputs["webhooks"]["peak_events_per_second"] == 150
    assert inputs["webhooks"]["sustained_peak"] is True
    api = next(i for i in estimate(inputs).items if i.item == "API Gateway HTTP API")
    # 150 events/s for a whole month at $1 per million requests.
    assert api.usd == pytest.approx(150 * 30.42 * 86400 / 1e6, rel=1e-3)


def test_the_budget_check_has_teeth() -> None:
    inputs = load_inputs()
    inputs["snowflake"]["transform_hourly"]["credits_per_hour"] = 64  # 4X-Large by mistake
    assert not estimate(inputs).within_budget


def test_readme_cost_table_is_current() -> None:
    table = render_markdown(estimate(load_inputs()))
    assert readme_section(README.read_text()) == table, (
        "README cost table is stale: uv run python -m acme_platform.cost_model --update-readme"
    )


def test_cost_inputs_do_not_underprice_configured_task_sizes() -> None:
    costs = load_inputs()
    settings = prod_settings()
    for source, runs in costs["sources"].items():
        for kind in ("delta", "full"):
            size = settings.pipelines.size_for_job(f"{source}-{kind}")
            assert runs[kind]["vcpu"] >= size.cpu / 1024, (source, kind)
            assert runs[kind]["memory_gb"] >= size.memory / 1024, (source, kind)
    transform = settings.transform.task_size
    for runs in costs["transform"].values():
        assert runs["vcpu"] >= transform.cpu / 1024
        assert runs["memory_gb"] >= transform.memory / 1024
