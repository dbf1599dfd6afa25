"""``acme replay``: re-extract a source (or one stream) for a time window into bronze.

A replay runs the source's *delta* extractor with no state and saves none
(``meltano run --full-refresh --no-state-update`` under its own state id suffix ``replay``), so the
delta's and the full job's bookmarks are untouched. ``full_reload`` stays off: the tap sends no
ACTIVATE_VERSION, and bronze records the rows as ``delta`` versions, never as a complete full
snapshot (snapshots drive delete inference in silver; a window is not one). Bronze is append-only
and silver keeps the latest version per key, so replaying any window any number of times leaves
silver and gold as they are, apart from newer versions of what changed at the source since.

The window is passed as the tap's settings: ``start_date`` (every template tap has it) and
``end_date`` where the extractor declares it; what the bounds filter on is the source's choice
(Stripe: object creation time; Salesforce: ``SystemModstamp``; Zendesk: ``updated_at``, the export
stops at the first object past it). A tap without ``end_date`` re-extracts from ``start`` up to now.
"""

from __future__ import annotations

import datetime as dt
import json

from acme_orchestration import log, pipeline, sources


def env_prefix(plugin: str) -> str:
    """Meltano's environment variable prefix of a plugin: ``tap-stripe`` -> ``TAP_STRIPE``."""
    return plugin.upper().replace("-", "_")


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def replay_env(
    spec: sources.SourceSpec,
    stream: str | None,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> dict[str, str]:
    """Settings that make the delta extractor read the window (and only ``stream``) with no state."""
    extractor = spec.delta_extractor
    prefix = env_prefix(extractor)
    env = {f"{prefix}_FULL_RELOAD": "false"}
    if start is not None:
        env[f"{prefix}_START_DATE"] = iso(start)
    if end is not None:
        if spec.declares(extractor, "end_date"):
            env[f"{prefix}_END_DATE"] = iso(end)
        else:
            log.get("replay").warning(
                "the extractor has no end_date setting: the replay reads up to now", extractor=extractor
            )
    if stream:
        # Meltano's `select` extra; a child stream's parent is read but not emitted (singer-sdk)
        env[f"{prefix}__SELECT"] = json.dumps([f"{stream}.*"])
    return env


def run(
    source: str,
    context: pipeline.Context,
    stream: str | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
) -> int:
    """Replay ``source`` (or one ``stream``) for [start, end) into bronze, then the gated dbt build."""
    spec = sources.source(source)
    job = spec.job("delta")
    args = [job.extractor, job.loader, "--full-refresh", "--no-state-update", "--state-id-suffix", "replay"]
    log.get("replay").info("replay", source=source, stream=stream, start=start and iso(start), end=end and iso(end))
    load = pipeline.Load(f"{source}-replay", source, tuple(args), replay_env(spec, stream, start, end))
    return pipeline.run_loads(f"{source}-replay", [load], context)
