"""`acme`: the platform's command line (main job, job runs, replays, scheduler, sandboxes, ground truth)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from acme_orchestration import log


def _parse_anchor(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    anchor = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return anchor if anchor.tzinfo else anchor.replace(tzinfo=dt.UTC)


@click.group()
@click.option("--json-logs/--console-logs", default=None, help="Log format (default: JSON unless on a terminal).")
def main(json_logs: bool | None) -> None:
    """AcmeCloud customer data platform."""
    log.configure(json_logs)


@main.command("main")
@click.option("--seed", default=42, show_default=True, help="World seed.")
@click.option("--scale", default=0.01, show_default=True, help="World scale factor (1.0 = 20,000 companies).")
@click.option("--reset", is_flag=True, help="Start from an empty warehouse, stage and state.")
@click.option("--advance-hours", default=0.0, help="Move the sandbox clocks forward first (new source changes).")
@click.option("--full", is_flag=True, help="Run each source's full-reload job instead of its delta.")
def main_job(seed: int, scale: float, reset: bool, advance_hours: float, full: bool) -> None:
    """Run the whole pipeline on the embedded default and print a summary."""
    from acme_orchestration import main_job as job

    sys.exit(job.run(seed=seed, scale=scale, reset=reset, advance_hours=advance_hours, full=full))


@main.command()
@click.argument("source")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=12111, show_default=True)
@click.option("--seed", default=42, show_default=True)
@click.option("--scale", default=0.01, show_default=True)
@click.option("--anchor", default=None, help="World anchor (ISO time, UTC); default: this hour.")
@click.option("--latency-ms", type=float, default=None, help="Added latency per request.")
@click.option("--rate-limit-rps", type=float, default=None, help="Requests per second before 429s.")
@click.option("--error-rate", type=float, default=None, help="Share of requests answered with 5xx.")
@click.option("--truncated-rate", type=float, default=None, help="Share of responses cut short.")
@click.option("--set", "overrides", multiple=True, help="Any other sandbox setting, as key=JSON value.")
def serve(
    source: str,
    host: str,
    port: int,
    seed: int,
    scale: float,
    anchor: str | None,
    latency_ms: float | None,
    rate_limit_rps: float | None,
    error_rate: float | None,
    truncated_rate: float | None,
    overrides: tuple[str, ...],
) -> None:
    """Serve SOURCE's sandbox API on HOST:PORT (e.g. `acme serve stripe --port 12111`)."""
    from acme_world import WorldConfig

    try:
        app_module = importlib.import_module(f"{source}_sandbox.app")
        settings_module = importlib.import_module(f"{source}_sandbox.settings")
    except ModuleNotFoundError as exc:
        raise click.BadParameter(f"no sandbox for source {source!r} ({exc})", param_hint="SOURCE") from exc
    values: dict[str, Any] = {
        "latency_ms": latency_ms,
        "rate_limit_rps": rate_limit_rps,
        "error_rate": error_rate,
        "truncated_rate": truncated_rate,
    }
    for item in overrides:
        key, _, raw = item.partition("=")
        values[key] = json.loads(raw) if raw else None
    settings_cls = settings_module.SandboxSettings
    known = {f.name for f in dataclasses.fields(settings_cls)}
    unknown = sorted(k for k, v in values.items() if v is not None and k not in known)
    if unknown:
        raise click.BadParameter(f"{source} sandbox has no setting(s) {unknown}", param_hint="--set")
    settings = settings_cls(**{k: v for k, v in values.items() if v is not None})
    config = WorldConfig(seed=seed, scale=scale, anchor=_parse_anchor(anchor))
    app_module.serve(host=host, port=port, world_config=config, settings=settings)


@main.command()
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Folder for the CSV files.")
@click.option("--seed", default=42, show_default=True)
@click.option("--scale", default=0.01, show_default=True)
@click.option("--anchor", default=None, help="World anchor (ISO time, UTC); default: this hour.")
@click.option("--as-of", default=None, help="Truth as of this time (default: the anchor).")
def truth(out: Path, seed: int, scale: float, anchor: str | None, as_of: str | None) -> None:
    """Write the world's ground truth (true MRR, failed payments, record owners)."""
    from acme_world import WorldConfig, build_world

    world = build_world(WorldConfig(seed=seed, scale=scale, anchor=_parse_anchor(anchor)))
    world.write_truth(out, _parse_anchor(as_of) or world.anchor)
    click.echo(f"ground truth written to {out}")


def _register() -> None:
    from acme_orchestration.commands import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_register()

if __name__ == "__main__":
    main()
