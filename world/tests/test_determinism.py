"""Same config => byte-identical world; build times are budgeted generously and reported."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import UTC, datetime
from pathlib import Path

from acme_world import World, WorldConfig, build_world
from acme_world.model import ObjectVersion

TRUTH_FILES = ("mrr.csv", "failed_payments.csv", "owners.csv", "customers.csv", "open_escalations.csv", "manifest.json")


def _versions(versions: list[ObjectVersion]) -> list[list[object]]:
    return [[v.resource, v.id, v.valid_from, v.body] for v in versions]


def _dump(world: World) -> str:
    return json.dumps({"versions": _versions(world.stripe.versions), "events": world.stripe.events}, sort_keys=True)


def _dump_views(world: World) -> str:
    return json.dumps(
        {"salesforce": _versions(world.salesforce.versions), "zendesk": _versions(world.zendesk.versions)},
        sort_keys=True,
    )


def test_same_config_same_world(world: World, tmp_path: Path) -> None:
    started = time.perf_counter()
    again = build_world(world.config)
    print(
        f"\nscale 0.01 build: {time.perf_counter() - started:.2f}s, "
        f"{len(again.stripe.versions)} Stripe versions, {len(again.stripe.events)} events, "
        f"{len(again.salesforce.versions)} Salesforce and "
        f"{len(again.zendesk.versions)} Zendesk versions"
    )
    assert _dump(again) == _dump(world)
    assert _dump_views(again) == _dump_views(world)
    assert again.core.companies == world.core.companies
    assert again.core.people == world.core.people
    world.write_truth(tmp_path / "a")
    again.write_truth(tmp_path / "b")
    for name in TRUTH_FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_schema_drift_switch_changes_only_salesforce_accounts(world: World) -> None:
    drifted = build_world(dataclasses.replace(world.config, health_score_after_hours=6))
    assert _dump(drifted) == _dump(world)
    assert json.dumps(_versions(drifted.zendesk.versions)) == json.dumps(_versions(world.zendesk.versions))
    others = [v for v in world.salesforce.versions if v.resource != "Account"]
    assert _versions([v for v in drifted.salesforce.versions if v.resource != "Account"]) == _versions(others)
    assert drifted.truth().owners == world.truth().owners


def test_different_seed_different_world(world: World, other_world: World) -> None:
    assert world.core.companies[0] != other_world.core.companies[0]
    assert world.stripe.versions[-1].id != other_world.stripe.versions[-1].id


def test_default_anchor_is_now_floored_to_the_hour() -> None:
    resolved = WorldConfig(scale=0.001).resolved()
    assert resolved.anchor is not None
    assert resolved.anchor.tzinfo is not None
    assert (resolved.anchor.minute, resolved.anchor.second, resolved.anchor.microsecond) == (0, 0, 0)
    assert abs((datetime.now(UTC) - resolved.anchor).total_seconds()) < 2 * 3600


def test_scale_sets_company_count() -> None:
    assert WorldConfig(scale=1.0).n_companies == 20_000
    assert WorldConfig(scale=0.01).n_companies == 200
