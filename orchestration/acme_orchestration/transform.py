"""The gated dbt step of a run: parse, check freshness, plan, build, record statuses.

See ``gating.py`` for the rules; this module runs dbt and writes ``ops.source_status`` and
``ops.mart_status``. Everything happens under the warehouse lock (DuckDB has one writer).
"""

from __future__ import annotations

from acme_orchestration import gating, locks, log, sources, status
from acme_orchestration.context import Context
from acme_orchestration.dbt import DbtSession
from acme_orchestration.lineage import Lineage
from acme_orchestration.runs import RunRecord


def freshness_errors(session: DbtSession, lineage: Lineage, check: list[str]) -> dict[str, str]:
    """``dbt source freshness`` on ``check``: {source: why it is not fresh} for errors only."""
    if not check:
        return {}
    result = session.invoke("source freshness", "--select", *(f"source:{s}" for s in check))
    errors: dict[str, list[str]] = {}
    for node in result.nodes:
        if node.status in {"error", "runtime error"}:
            source = str(lineage.node(node.unique_id).get("source_name") or node.unique_id.split(".")[2])
            errors.setdefault(source, []).append(f"{lineage.name(node.unique_id)} {node.status}")
    return {source: ", ".join(items[:3]) for source, items in errors.items()}


def run(
    context: Context,
    run_id: str,
    record: RunRecord,
    refreshed: set[str],
    failed: dict[str, str],
    whole_project: bool = False,
    full_refresh: bool = False,
) -> bool:
    """The gated dbt build after loads of ``refreshed`` (and failed loads of ``failed``)."""
    logger = log.get("gating")
    session = DbtSession(context.target, context.as_of(), run_id)
    with locks.warehouse_lock(context.target, run_id):
        try:
            lineage = Lineage(session.manifest(), frozenset(s.name for s in sources.discover()))
        except RuntimeError as exc:
            record.step("dbt-parse", False, 0.0, error=str(exc))
            return False
        recorded = status.load_sources(context.target)
        touched = refreshed | set(failed)
        responsible = lineage.tracked if whole_project else lineage.downstream_of(touched)
        inputs = {s for uid in responsible for s in lineage.inputs(uid)}
        check = sorted(s for s in inputs - touched if s not in recorded or recorded[s].healthy)
        stale = freshness_errors(session, lineage, check)
        unhealthy = gating.unhealthy_sources(lineage, refreshed, failed, recorded, stale)
        plan = gating.plan(lineage, refreshed, failed, unhealthy, whole_project)
        logger.info(
            "gating plan",
            refreshed=sorted(refreshed),
            unhealthy=unhealthy,
            args=list(plan.args),
            blocked=[lineage.name(u) for u in plan.blocked],
        )
        result = None
        if plan.builds:
            extra = ("--full-refresh",) if full_refresh else ()
            result = session.invoke("build", *plan.args, *extra)
            record.step(
                "dbt-build", result.success, result.seconds, args=list(plan.args), failures=list(result.failures)
            )
            status.record_checks(gating.source_check_failures(lineage, result, refreshed), run_id, context.target)
        statuses = gating.assess(lineage, plan, result)
        status.record_marts(statuses, run_id, context.target, [lineage.name(u) for u in lineage.tracked])
        record.step(
            "gating",
            True,
            0.0,
            unhealthy=unhealthy,
            stale=sorted(s.mart for s in statuses if s.status == "stale"),
            fresh=sorted(s.mart for s in statuses if s.status == "fresh"),
        )
    return (result is None or result.success) and not failed
