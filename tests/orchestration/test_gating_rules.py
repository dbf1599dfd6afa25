"""Gating rules on a small hand-made dbt manifest (no warehouse): selection, blocking, statuses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from acme_orchestration import gating
from acme_orchestration.dbt import DbtResult, NodeResult
from acme_orchestration.lineage import Lineage
from acme_orchestration.replay import replay_env
from acme_orchestration.sources import JobSpec, SourceSpec


def _model(name: str, parents: list[str], path: str, schema: str = "silver") -> dict:
    return {
        "resource_type": "model",
        "package_name": "p",
        "name": name,
        "original_file_path": path,
        "config": {"schema": schema},
        "depends_on": {"nodes": parents},
    }


def _manifest() -> Lineage:
    nodes = {
        "model.p.stg_a": _model("stg_a", ["source.p.a.t"], "models/staging/a/stg_a.sql"),
        "model.p.stg_b": _model("stg_b", ["source.p.b.t"], "models/staging/b/stg_b.sql"),
        "model.p.int_ab": _model("int_ab", ["model.p.stg_a", "model.p.stg_b"], "models/intermediate/int_ab.sql"),
        "model.p.mart_a": _model("mart_a", ["model.p.stg_a"], "models/marts/mart_a.sql", "gold"),
        "model.p.mart_ab": _model("mart_ab", ["model.p.int_ab"], "models/marts/mart_ab.sql", "gold"),
        "test.p.unique_stg_a": {
            "resource_type": "test",
            "name": "unique_stg_a",
            "depends_on": {"nodes": ["model.p.stg_a"]},
        },
        "test.p.unique_mart_a": {
            "resource_type": "test",
            "name": "unique_mart_a",
            "depends_on": {"nodes": ["model.p.mart_a"]},
        },
    }
    sources = {
        "source.p.a.t": {"resource_type": "source", "source_name": "a", "name": "t"},
        "source.p.b.t": {"resource_type": "source", "source_name": "b", "name": "t"},
    }
    child_map: dict[str, list[str]] = {}
    for uid, node in nodes.items():
        for parent in node["depends_on"]["nodes"]:
            child_map.setdefault(parent, []).append(uid)
    manifest = {"metadata": {"project_name": "p"}, "nodes": nodes, "sources": sources, "child_map": child_map}
    return Lineage(manifest, frozenset({"a", "b"}))


def test_inputs_and_tracked_models() -> None:
    lineage = _manifest()
    assert lineage.inputs("model.p.mart_ab") == {"a", "b"}
    assert lineage.inputs("model.p.mart_a") == {"a"}
    assert [lineage.name(u) for u in lineage.tracked] == ["mart_a", "mart_ab", "stg_a", "stg_b"]


def test_a_failed_source_blocks_only_what_depends_on_it() -> None:
    lineage = _manifest()
    unhealthy = gating.unhealthy_sources(lineage, {"a"}, {"b": "HTTP 401"}, {}, {})
    assert set(unhealthy) == {"b"}
    plan = gating.plan(lineage, {"a"}, {"b": "HTTP 401"}, unhealthy)
    assert plan.args == ("--select", "source:a+", "--exclude", "source:b+")
    assert set(plan.blocked) == {"model.p.mart_ab", "model.p.stg_b"}
    result = DbtResult(
        "build",
        True,
        1.0,
        (),
        (
            NodeResult("model.p.stg_a", "success"),
            NodeResult("test.p.unique_stg_a", "pass"),
            NodeResult("model.p.mart_a", "success"),
            NodeResult("test.p.unique_mart_a", "pass"),
        ),
    )
    statuses = {s.mart: s for s in gating.assess(lineage, plan, result)}
    assert statuses["mart_a"].status == "fresh"
    assert statuses["stg_a"].status == "fresh"
    assert statuses["mart_ab"].status == "stale"
    assert "b: load failed" in statuses["mart_ab"].reason
    assert statuses["stg_b"].status == "stale"


def test_failing_staging_check_marks_downstream_stale_and_the_source_unhealthy() -> None:
    lineage = _manifest()
    plan = gating.plan(lineage, {"a"}, {}, {})
    result = DbtResult(
        "build",
        False,
        1.0,
        ("test.p.unique_stg_a: fail",),
        (
            NodeResult("model.p.stg_a", "success"),
            NodeResult("test.p.unique_stg_a", "fail"),
            NodeResult("model.p.mart_a", "skipped"),
            NodeResult("model.p.int_ab", "skipped"),
            NodeResult("model.p.mart_ab", "skipped"),
        ),
    )
    statuses = {s.mart: s for s in gating.assess(lineage, plan, result)}
    assert statuses["mart_a"].status == "stale"
    assert "unique_stg_a" in statuses["mart_a"].reason
    assert statuses["mart_ab"].status == "stale"
    assert gating.source_check_failures(lineage, result, {"a"}) == {"a": "failed: unique_stg_a"}


def test_a_mart_failing_its_own_test_is_not_its_inputs_fault() -> None:
    lineage = _manifest()
    plan = gating.plan(lineage, {"a"}, {}, {})
    result = DbtResult(
        "build",
        False,
        1.0,
        (),
        (NodeResult("model.p.mart_a", "success"), NodeResult("test.p.unique_mart_a", "fail")),
    )
    statuses = {s.mart: s for s in gating.assess(lineage, plan, result)}
    assert statuses["mart_a"].status == "stale"
    assert "own checks failed" in statuses["mart_a"].reason
    assert gating.source_check_failures(lineage, result, {"a"}) == {"a": ""}


def test_every_source_loaded_builds_the_whole_project() -> None:
    lineage = _manifest()
    assert gating.plan(lineage, {"a", "b"}, {}, {}).args == ("--select", "fqn:*")


def test_replay_settings() -> None:
    job = JobSpec("x-delta", "x", "delta", (("tap-x", "target-bronze"),))
    spec = SourceSpec("x", Path("sources/x/meltano.yml"), (job,), (), {"tap-x": frozenset({"start_date", "end_date"})})
    start, end = dt.datetime(2026, 1, 1, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert replay_env(spec, "customers", start, end) == {
        "TAP_X_FULL_RELOAD": "false",
        "TAP_X_START_DATE": "2026-01-01T00:00:00Z",
        "TAP_X_END_DATE": "2026-02-01T00:00:00Z",
        "TAP_X__SELECT": '["customers.*"]',
    }
    without_end = SourceSpec("x", spec.meltano_file, (job,), (), {"tap-x": frozenset({"start_date"})})
    assert "TAP_X_END_DATE" not in replay_env(without_end, None, start, end)
