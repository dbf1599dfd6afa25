"""Gating: which dbt nodes a run builds, and what the outcome means for each tracked model.

A run that (re)loaded some sources builds ``source:<loaded>+`` (dbt node selection: the loaded
sources' source tests, staging, and everything downstream with its tests) and excludes
``source:<unhealthy>+`` for every source whose latest load or checks failed or whose data is not
fresh. A mart therefore builds only when *all* of its inputs are healthy; one with an unhealthy
input is not touched (its table keeps its last good data) and is recorded ``stale`` with the
reason. Within the build, dbt itself skips everything downstream of a failing source test, model or
data test (``dbt build`` semantics), and those marts are recorded ``stale`` too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from acme_orchestration.dbt import FAILED_STATUSES, DbtResult
from acme_orchestration.lineage import Lineage
from acme_orchestration.status import MartStatus, SourceStatus

OK_TEST_STATUSES = frozenset({"pass", "warn", "success"})


@dataclass(frozen=True)
class Plan:
    """What one run builds and which tracked models it answers for."""

    #: dbt selection arguments (``--select …``, ``--exclude …``); empty: nothing to build.
    args: tuple[str, ...]
    #: Tracked models whose status this run records.
    responsible: tuple[str, ...]
    #: Tracked models not built because an input is unhealthy, with the reason.
    blocked: dict[str, str] = field(default_factory=dict)
    #: Unhealthy sources and why.
    unhealthy: dict[str, str] = field(default_factory=dict)

    @property
    def builds(self) -> bool:
        return bool(self.args)


def unhealthy_sources(
    lineage: Lineage,
    refreshed: Iterable[str],
    failed: dict[str, str],
    recorded: dict[str, SourceStatus],
    stale: dict[str, str],
) -> dict[str, str]:
    """Sources a mart may not be built from, with the reason.

    ``refreshed``: loaded successfully by this run (their checks run now). ``failed``: whose load
    failed in this run. ``recorded``: statuses from earlier runs. ``stale``: freshness errors found now.
    """
    fresh_now = set(refreshed)
    reasons: dict[str, str] = {}
    for source in sorted(lineage.pipeline_sources - fresh_now):
        if source in failed:
            reasons[source] = f"{source}: load failed in this run ({failed[source]})"
        elif source in recorded and not recorded[source].healthy:
            reasons[source] = recorded[source].reason
        elif source in stale:
            reasons[source] = f"{source}: not fresh ({stale[source]})"
    return reasons


def plan(
    lineage: Lineage,
    refreshed: Iterable[str],
    failed: Iterable[str],
    unhealthy: dict[str, str],
    whole_project: bool = False,
) -> Plan:
    """The dbt selection of a run and the tracked models it answers for."""
    loaded = sorted(set(refreshed))
    touched = set(loaded) | set(failed)
    responsible = lineage.tracked if whole_project else lineage.downstream_of(touched)
    blocked = {}
    for uid in responsible:
        reasons = [unhealthy[s] for s in sorted(lineage.inputs(uid)) if s in unhealthy]
        if reasons:
            blocked[uid] = "input not usable: " + "; ".join(reasons)
    if not loaded and not whole_project:
        return Plan((), tuple(responsible), blocked, dict(unhealthy))
    args: list[str] = []
    if not whole_project and set(loaded) != set(lineage.pipeline_sources):
        args += ["--select", *(f"source:{s}+" for s in loaded)]
    if unhealthy:
        args += ["--exclude", *(f"source:{s}+" for s in sorted(unhealthy))]
    if not args:
        args = ["--select", "fqn:*"]
    return Plan(tuple(args), tuple(responsible), blocked, dict(unhealthy))


def _failed_nodes(result: DbtResult) -> list[str]:
    return [n.unique_id for n in result.nodes if n.status in FAILED_STATUSES]


def _names(lineage: Lineage, nodes: list[str], limit: int = 3) -> str:
    shown = ", ".join(lineage.name(n) for n in nodes[:limit])
    return shown + (f" and {len(nodes) - limit} more" if len(nodes) > limit else "")


def _is_gold_check(lineage: Lineage, unique_id: str) -> bool:
    """A gold model, or a test of gold models only: a mart's own check, not its inputs'."""
    node = lineage.node(unique_id)
    if node.get("resource_type") == "model":
        return lineage.is_gold(unique_id)
    parents = [p for p in node.get("depends_on", {}).get("nodes", []) if p.startswith("model.")]
    return bool(parents) and all(lineage.is_gold(p) for p in parents)


def source_check_failures(lineage: Lineage, result: DbtResult, refreshed: Iterable[str]) -> dict[str, str]:
    """``{source: reason or ""}`` for each refreshed source: did its source tests and silver pass?"""
    failed = [n for n in _failed_nodes(result) if not _is_gold_check(lineage, n)]
    outcome: dict[str, str] = {}
    for source in sorted(set(refreshed)):
        mine = [n for n in failed if source in lineage.inputs(n)]
        outcome[source] = f"failed: {_names(lineage, mine)}" if mine else ""
    return outcome


def assess(lineage: Lineage, run_plan: Plan, result: DbtResult | None) -> list[MartStatus]:
    """The status of every tracked model the run answered for."""
    failed = _failed_nodes(result) if result is not None else []
    statuses = []
    for uid in run_plan.responsible:
        inputs = tuple(sorted(lineage.inputs(uid)))
        name, layer = lineage.name(uid), lineage.layer(uid)
        if uid in run_plan.blocked:
            statuses.append(MartStatus(name, layer, "stale", run_plan.blocked[uid], inputs))
            continue
        state = result.status_of(uid) if result is not None else None
        if state == "success":
            own = [t for t in lineage.tests_of(uid) if t in failed]
            if own:
                reason = f"own checks failed: {_names(lineage, own)} (the new table is in place)"
                statuses.append(MartStatus(name, layer, "stale", reason, inputs))
            else:
                statuses.append(MartStatus(name, layer, "fresh", "", inputs))
            continue
        if state == "skipped":
            upstream = lineage.upstream(uid)
            causes = [
                f
                for f in failed
                if f in upstream or set(lineage.node(f).get("depends_on", {}).get("nodes", [])) & upstream
            ]
            reason = f"upstream check failed: {_names(lineage, causes)}" if causes else "skipped by dbt"
        elif state in FAILED_STATUSES:
            message = next((n.message for n in result.nodes if n.unique_id == uid), "") if result else ""
            reason = f"build failed: {message}".strip()
        else:
            reason = "not built: the dbt build did not run it (see the run's log)"
        statuses.append(MartStatus(name, layer, "stale", reason, inputs))
    return statuses
