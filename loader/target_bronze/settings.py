"""Turn target settings into a warehouse and a stage, with errors that name the setting."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from target_bronze.stage import Stage
from target_bronze.warehouse import BronzeWarehouse, DuckDBBronze, SnowflakeBronze


class SettingError(ValueError):
    """A target-bronze setting is missing or wrong."""


def _require(config: Mapping[str, Any], key: str) -> Any:
    value = config.get(key)
    if value in (None, ""):
        env = f"TARGET_BRONZE_{key.upper()}"
        msg = f"target-bronze: setting `{key}` is required (env {env})"
        raise SettingError(msg)
    return value


def source_name(config: Mapping[str, Any]) -> str:
    """The source whose records arrive: setting `source`, else the Meltano extractor namespace."""
    source = config.get("source") or os.environ.get("MELTANO_EXTRACTOR_NAMESPACE", "")
    source = str(source).removeprefix("tap_").removeprefix("tap-").replace("-", "_")
    if not source:
        msg = "target-bronze: setting `source` is required when not run by Meltano (env TARGET_BRONZE_SOURCE)"
        raise SettingError(msg)
    return source


def run_id(config: Mapping[str, Any]) -> str:
    """Run id: setting `run_id`, else env ACME_RUN_ID (set by the orchestrator), else a new one."""
    return str(config.get("run_id") or os.environ.get("ACME_RUN_ID") or f"run-{uuid.uuid4().hex[:12]}")


def open_stage(config: Mapping[str, Any]) -> Stage:
    """The stage folder or bucket from setting `stage_url`."""
    return Stage(str(_require(config, "stage_url")))


def open_warehouse(config: Mapping[str, Any], stage: Stage) -> BronzeWarehouse:
    """DuckDB or Snowflake, from setting `warehouse`."""
    kind = config.get("warehouse", "duckdb")
    if kind == "duckdb":
        path = Path(str(_require(config, "duckdb_path")))
        path.parent.mkdir(parents=True, exist_ok=True)
        return DuckDBBronze(str(path))
    if kind == "snowflake":
        args: dict[str, Any] = {
            "account": _require(config, "snowflake_account"),
            "user": _require(config, "snowflake_user"),
            "database": _require(config, "snowflake_database"),
        }
        for key in ("password", "role", "warehouse", "host", "port", "protocol", "private_key_file"):
            if config.get(f"snowflake_{key}") not in (None, ""):
                args[key] = config[f"snowflake_{key}"]
        return SnowflakeBronze(args, stage, config.get("snowflake_storage_integration"))
    msg = f"target-bronze: setting `warehouse` must be 'duckdb' or 'snowflake', got {kind!r}"
    raise SettingError(msg)
