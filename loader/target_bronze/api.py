"""Load records into bronze from Python (webhook receivers, backfill tools, tests)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from target_bronze.loader import BronzeLoader
from target_bronze.settings import open_stage, open_warehouse


def load_records(
    config: Mapping[str, Any],
    source: str,
    stream: str,
    key_properties: Sequence[str],
    records: Iterable[Mapping[str, Any]],
    run_id: str,
    sync_mode: str = "delta",
) -> int:
    """Stage and load ``records`` exactly as the target would; returns rows loaded.

    ``config`` takes the target's settings (``warehouse``, ``duckdb_path``, ``stage_url``, ...).
    """
    stage = open_stage(config)
    warehouse = open_warehouse(config, stage)
    try:
        loader = BronzeLoader(warehouse, stage, source, run_id)
        return loader.write_and_load(stream, key_properties, records, sync_mode)
    finally:
        warehouse.close()
