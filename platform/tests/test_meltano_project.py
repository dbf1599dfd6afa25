"""Sources and schedules come from ``sources/*/meltano.yml`` (configuration over code)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from acme_platform.meltano_project import (
    MeltanoProjectError,
    discover_sources,
    load_source_project,
    meltano_env_var,
)
from acme_platform.testing import REPO_SOURCES, standard_schedules, write_meltano_yml


def test_discovers_every_folder_with_a_meltano_yml(fake_sources_dir: Path) -> None:
    sources = discover_sources(fake_sources_dir)
    assert [s.name for s in sources] == ["stripe", "stripe_eu", "zendesk"]


def test_missing_sources_dir_yields_nothing(tmp_path: Path) -> None:
    assert discover_sources(tmp_path / "absent") == ()


def test_reads_schedules_jobs_env_and_sensitive_settings(fake_sources_dir: Path) -> None:
    (source,) = [s for s in discover_sources(fake_sources_dir) if s.name == "stripe_eu"]
    assert source.jobs == ("stripe_eu-delta", "stripe_eu-full")
    assert source.extractors == ("tap-stripe_eu", "tap-stripe_eu--full")
    assert [(s.name, s.interval, s.job) for s in source.schedules] == [
        ("stripe_eu-hourly", "@hourly", "stripe_eu-delta"),
        ("business-hours", "*/15 9-17 * * 1-5", "stripe_eu-delta"),
        ("backfill", "@once", "stripe_eu-full"),
    ]
    assert source.schedules[1].env == {"TAP_STRIPE_EU_LOOKBACK_MINUTES": "30"}
    # the loader's sensitive setting comes from the root project
    assert [(s.secret_kind, s.setting, s.env_var) for s in source.sensitive_settings] == [
        ("extractor", "api_key", "TAP_STRIPE_EU_API_KEY"),
        ("loader", "snowflake_password", "TARGET_BRONZE_SNOWFLAKE_PASSWORD"),
    ]


def test_reads_what_the_prod_environment_expects(fake_sources_dir: Path) -> None:
    sources = {s.name: s for s in discover_sources(fake_sources_dir)}
    refs = {(r.name, r.origin) for r in sources["stripe"].env_references}
    assert refs == {
        ("ACME_STAGE_URL", "loader"),
        ("SNOWFLAKE_ACCOUNT", "loader"),
        ("SNOWFLAKE_USER", "loader"),
        ("SNOWFLAKE_STORAGE_INTEGRATION", "loader"),
        ("ACME_MELTANO_STATE_URI", "environment"),
    }  # not dev's ${DEV_ONLY}, not Meltano's own $MELTANO_*, not zendesk's extractor config
    zendesk = {(r.name, r.origin) for r in sources["zendesk"].env_references}
    assert ("ZENDESK_SUBDOMAIN", "extractor") in zendesk


def test_legacy_password_kind_is_sensitive(tmp_path: Path) -> None:
    path = write_meltano_yml(tmp_path, "hubspot", standard_schedules("hubspot"), sensitive=())
    document = yaml.safe_load(path.read_text())
    document["plugins"]["extractors"][0]["settings"].append({"name": "token", "kind": "password"})
    path.write_text(yaml.safe_dump(document))
    source = load_source_project(path)
    assert [s.env_var for s in source.sensitive_settings] == ["TAP_HUBSPOT_TOKEN"]


def test_env_var_names_follow_meltano() -> None:
    assert meltano_env_var("tap-stripe", "api_key") == "TAP_STRIPE_API_KEY"
    assert meltano_env_var("target-bronze", "auth.private_key") == "TARGET_BRONZE_AUTH_PRIVATE_KEY"


def test_include_paths_are_merged(tmp_path: Path) -> None:
    path = write_meltano_yml(tmp_path, "zendesk", standard_schedules("zendesk"))
    document = yaml.safe_load(path.read_text())
    document["include_paths"] = ["./extra/*.meltano.yml"]
    path.write_text(yaml.safe_dump(document))
    (path.parent / "extra").mkdir()
    (path.parent / "extra" / "weekly.meltano.yml").write_text(
        yaml.safe_dump(
            {
                "jobs": [{"name": "zendesk-reconcile", "tasks": ["tap-zendesk target-bronze"]}],
                "schedules": [{"name": "zendesk-weekly", "interval": "@weekly", "job": "zendesk-reconcile"}],
            }
        )
    )
    source = load_source_project(path)
    assert [s.name for s in source.schedules] == [
        "zendesk-delta-hourly",
        "zendesk-full-daily",
        "zendesk-weekly",
    ]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ({"name": "x", "interval": "@hourly", "extractor": "tap-a", "loader": "t"}, "no 'job'"),
        ({"name": "x", "interval": "@hourly", "job": "nope"}, "unknown job"),
        ({"name": "has space", "interval": "@hourly", "job": "a-delta"}, "schedule name"),
        ({"name": "x", "job": "a-delta"}, "needs an interval"),
    ],
)
def test_rejects_schedules_the_platform_cannot_run(tmp_path: Path, schedule: dict[str, str], message: str) -> None:
    path = write_meltano_yml(tmp_path, "a", [schedule], jobs=["a-delta"])
    with pytest.raises(MeltanoProjectError, match=message):
        load_source_project(path)


def test_rejects_duplicate_schedules(tmp_path: Path) -> None:
    twice = [{"name": "h", "interval": "@hourly", "job": "a-delta"}] * 2
    with pytest.raises(MeltanoProjectError, match="duplicate"):
        load_source_project(write_meltano_yml(tmp_path, "a", twice))


def test_rejects_unsafe_source_folder_names(tmp_path: Path) -> None:
    path = write_meltano_yml(tmp_path, "Bad.Name", standard_schedules("x"))
    with pytest.raises(MeltanoProjectError, match="folder name"):
        load_source_project(path)


def test_real_sources_folder_parses() -> None:
    """Every meltano.yml actually in the repo is something the platform can deploy."""
    assert list(REPO_SOURCES.glob("*/meltano.yml")), f"no meltano.yml under {REPO_SOURCES}"
    sources = discover_sources(REPO_SOURCES)
    assert sources
    for source in sources:
        assert source.schedules, f"{source.name} has no schedules"
