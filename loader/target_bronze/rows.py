"""Shape of a bronze row: the single place that turns a record into a bronze row."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

#: Bronze columns in load order, with their DuckDB and Snowflake types.
BRONZE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_record", "JSON", "VARIANT"),
    ("_record_key", "VARCHAR", "VARCHAR"),
    ("_source", "VARCHAR", "VARCHAR"),
    ("_stream", "VARCHAR", "VARCHAR"),
    ("_run_id", "VARCHAR", "VARCHAR"),
    ("_sync_mode", "VARCHAR", "VARCHAR"),
    ("_is_deleted", "BOOLEAN", "BOOLEAN"),
    ("_extracted_at", "TIMESTAMP", "TIMESTAMP_NTZ"),
    ("_file_name", "VARCHAR", "VARCHAR"),
    ("_file_row", "BIGINT", "NUMBER(38,0)"),
)
#: Set by the warehouse when the row lands.
LOADED_AT_COLUMN = "_loaded_at"

#: Metadata singer-sdk adds to records; bronze keeps its own columns instead.
_SDK_METADATA = frozenset(
    (
        "_sdc_extracted_at",
        "_sdc_received_at",
        "_sdc_batched_at",
        "_sdc_sequence",
        "_sdc_table_version",
        "_sdc_sync_started_at",
    )
)
SYNC_MODES = ("delta", "full")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def bronze_table_name(source: str, stream: str) -> str:
    """``bronze`` table of a source stream, e.g. ``stripe__customers``."""
    for kind, value in (("source", source), ("stream", stream)):
        if not _NAME.match(value):
            msg = f"bronze: {kind} name {value!r} must match {_NAME.pattern}"
            raise ValueError(msg)
    return f"{source}__{stream}"


def record_key(record: Mapping[str, Any], key_properties: Sequence[str]) -> str:
    """Join the key properties' values with ``|`` (the record's identity in bronze)."""
    if not key_properties:
        msg = "bronze: a stream needs key properties to be loaded into bronze"
        raise ValueError(msg)
    missing = [k for k in key_properties if record.get(k) is None]
    if missing:
        msg = f"bronze: record is missing key properties {missing}"
        raise ValueError(msg)
    return "|".join(str(record[k]) for k in key_properties)


def _json_default(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    msg = f"bronze: cannot serialise {type(value).__name__}"
    raise TypeError(msg)


#: One encoder for every row (what ``json.dumps`` with these arguments builds per call).
_ENCODER = json.JSONEncoder(default=_json_default, separators=(",", ":"))


def _utc_naive(value: str | dt.datetime | None) -> str:
    if value is None:
        stamp = dt.datetime.now(dt.UTC)
    elif isinstance(value, dt.datetime):
        stamp = value
    else:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC).replace(tzinfo=None)
    return stamp.isoformat(sep=" ", timespec="microseconds")


def bronze_lines(
    records: Iterable[Mapping[str, Any]],
    *,
    source: str,
    stream: str,
    key_properties: Sequence[str],
    run_id: str,
    sync_mode: str,
    file_name: str,
    extracted_at: str | dt.datetime | None = None,
) -> Iterable[str]:
    """Serialise records as bronze rows, one JSON document per line."""
    if sync_mode not in SYNC_MODES:
        msg = f"bronze: sync_mode must be one of {SYNC_MODES}, got {sync_mode!r}"
        raise ValueError(msg)
    for row_number, record in enumerate(records, start=1):
        extracted = record.get("_sdc_extracted_at") or extracted_at
        clean = {k: v for k, v in record.items() if k not in _SDK_METADATA}
        deleted = clean.get("_sdc_deleted_at") is not None or clean.get("deleted") is True
        row = {
            "_record": clean,
            "_record_key": record_key(clean, key_properties),
            "_source": source,
            "_stream": stream,
            "_run_id": run_id,
            "_sync_mode": sync_mode,
            "_is_deleted": deleted,
            "_extracted_at": _utc_naive(extracted),
            "_file_name": file_name,
            "_file_row": row_number,
        }
        yield _ENCODER.encode(row)
