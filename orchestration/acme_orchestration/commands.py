"""The `acme` commands that run the pipeline: run, replay, rebuild, scheduler, status."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from acme_orchestration.context import Context

F = TypeVar("F", bound=Callable[..., Any])


def instant(value: str | None) -> dt.datetime | None:
    """An ISO time or date, UTC unless it says otherwise."""
    if not value:
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _settings(items: tuple[str, ...]) -> dict[str, Any]:
    """Sandbox settings: env ACME_SANDBOX_SETTINGS (a JSON object), then each ``key=JSON`` given."""
    values: dict[str, Any] = dict(json.loads(os.environ.get("ACME_SANDBOX_SETTINGS") or "{}"))
    for item in items:
        key, _, raw = item.partition("=")
        values[key] = json.loads(raw) if raw else None
    return values


def context_options(func: F) -> F:
    """Options every source run takes: where it runs and how it waits for its lock."""
    options = [
        click.option(
            "--environment",
            default=lambda: os.environ.get("ACME_MELTANO_ENVIRONMENT", "dev"),
            show_default="dev, or env ACME_MELTANO_ENVIRONMENT",
            help="Meltano environment: dev (local sandboxes, DuckDB) or prod (real APIs, Snowflake).",
        ),
        click.option("--target", default=None, help="dbt target (default: env DBT_TARGET, else by environment)."),
        click.option(
            "--sandbox/--no-sandbox",
            default=None,
            help="Serve the source's local sandbox and point the tap at it (default: in dev only).",
        ),
        click.option("--lock-timeout", type=float, default=None, help="Seconds to wait for a source lock."),
        click.option("--seed", type=int, default=None, help="Local world seed (default: the pinned world)."),
        click.option("--scale", type=float, default=None, help="Local world scale (default: the pinned world)."),
        click.option(
            "--sandbox-set", "sandbox_set", multiple=True, help="Sandbox setting key=JSON (e.g. error_rate=1)."
        ),
        click.option("--transform/--no-transform", default=True, help="Run the gated dbt build after the load."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def make_context(
    environment: str,
    target: str | None,
    sandbox: bool | None,
    lock_timeout: float | None,
    seed: int | None,
    scale: float | None,
    sandbox_set: tuple[str, ...],
    transform: bool,
) -> Context:
    """The run context from the command line (dbt target: snowflake in prod, duckdb in dev)."""
    default_target = "snowflake" if environment == "prod" else "duckdb"
    return Context(
        environment=environment,
        target=target or os.environ.get("DBT_TARGET") or default_target,
        sandbox=(environment == "dev") if sandbox is None else sandbox,
        lock_timeout=lock_timeout,
        seed=seed,
        scale=scale,
        sandbox_settings=_settings(sandbox_set),
        transform=transform,
    )


@click.command("run")
@click.argument("jobs", nargs=-1, required=True)
@context_options
def run_command(jobs: tuple[str, ...], **options: Any) -> None:
    """Run schedule JOBS now, as their container task does (e.g. `acme run stripe-delta`).

    Each source's Meltano job under its source lock, then the gated dbt build: staging of the
    loaded sources, and every model downstream whose inputs are all healthy. Several jobs share one
    dbt build. Exit code 0: loaded and built; 1: a load or dbt failed (the marts that depend on it
    keep their data and are marked stale); 75: a source lock stayed taken past --lock-timeout.
    """
    from acme_orchestration import pipeline, sources

    for job in jobs:
        try:
            sources.job(job)
        except KeyError as exc:
            raise click.BadParameter(str(exc.args[0]), param_hint="JOBS") from exc
    sys.exit(pipeline.run_jobs(list(jobs), make_context(**options)))


@click.command("replay")
@click.argument("source")
@click.option("--stream", default=None, help="Only this stream (default: every stream).")
@click.option("--start", default=None, help="Window start (ISO time or date, UTC): the tap's start_date.")
@click.option("--end", default=None, help="Window end, exclusive (the tap's end_date, where it has one).")
@context_options
def replay_command(source: str, stream: str | None, start: str | None, end: str | None, **options: Any) -> None:
    """Re-extract SOURCE (or one --stream) for [--start, --end) and land it in bronze.

    Uses no Meltano state and saves none; the rows are delta versions (never a full snapshot), so
    replays can be repeated and overlap freely. Then the same gated dbt build as `acme run`.
    """
    from acme_orchestration import replay, sources

    try:
        sources.source(source)
    except KeyError as exc:
        raise click.BadParameter(str(exc.args[0]), param_hint="SOURCE") from exc
    sys.exit(replay.run(source, make_context(**options), stream=stream, start=instant(start), end=instant(end)))


@click.command("rebuild")
@click.option("--full-refresh/--no-full-refresh", default=True, show_default=True, help="dbt --full-refresh.")
@context_options
def rebuild_command(full_refresh: bool, **options: Any) -> None:
    """Rebuild silver and gold from bronze (`dbt build --full-refresh`), gated like every run."""
    from acme_orchestration import pipeline

    sys.exit(pipeline.rebuild(make_context(**options), full_refresh=full_refresh))


def _echo_fire(fire: Any, code: int | None = None, with_code: bool = False) -> None:
    line: dict[str, Any] = {"at": fire.at.isoformat(), "schedule": fire.schedule.name, "job": fire.schedule.job}
    if with_code:
        line["exit_code"] = code
    click.echo(json.dumps(line))


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run what is due now, then exit.")
@click.option("--until", "until", default=None, help="Stop after this time (ISO, UTC).")
@click.option("--now", "now", default=None, help="Pretend the clock reads this (with --once or --dry-run).")
@click.option("--since", default=None, help="With --dry-run and --until: list every fire in (--since, --until].")
@click.option("--source", "only_sources", multiple=True, help="Only this source's schedules (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the fires as JSON lines; run nothing.")
@click.option("--poll-seconds", type=float, default=30.0, show_default=True, help="Longest sleep between checks.")
def scheduler_command(
    once: bool,
    until: str | None,
    now: str | None,
    since: str | None,
    only_sources: tuple[str, ...],
    dry_run: bool,
    poll_seconds: float,
) -> None:
    """Fire every source's Meltano schedules (sources/*/meltano.yml) on their intervals.

    Each fire runs `acme run <job>` in a child process, one at a time; a schedule that missed
    several fires runs once.
    """
    from acme_orchestration import scheduler, schedules

    schedule_list = scheduler.selected(only_sources)
    until_at = instant(until)
    if dry_run and since:
        if until_at is None:
            raise click.BadParameter("--since needs --until", param_hint="--since")
        for fire in schedules.plan(schedule_list, instant(since) or until_at, until_at):
            _echo_fire(fire)
        return
    if once or dry_run:
        at = instant(now) or dt.datetime.now(dt.UTC)
        done = scheduler.tick(schedule_list, at, scheduler.subprocess_runner(), dry_run=dry_run)
        for fire, code in done:
            _echo_fire(fire, code, with_code=True)
        sys.exit(0 if all(code in (0, None) for _, code in done) else 1)
    scheduler.loop(schedule_list, scheduler.subprocess_runner(), until=until_at, poll_seconds=poll_seconds)


@click.command("status")
@click.option("--target", default=lambda: os.environ.get("DBT_TARGET", "duckdb"), help="Warehouse to read.")
def status_command(target: str) -> None:
    """Print the sources' and marts' statuses (ops.source_status, ops.mart_status)."""
    from acme_orchestration import status

    for source in status.load_sources(target).values():
        click.echo(f"source {source.source:<12} {'healthy' if source.healthy else 'UNHEALTHY':<9} {source.reason}")
    for mart in status.load_marts(target):
        click.echo(f"{mart['layer']!s:<6} {mart['mart']!s:<45} {mart['status']!s:<6} {mart['reason'] or ''}")


COMMANDS = (run_command, replay_command, rebuild_command, scheduler_command, status_command)
