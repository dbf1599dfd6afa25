"""Small bronze fixture writer for the transforms tests (contracts.md §4).

Writes Stripe objects into `bronze.stripe__<stream>` tables exactly as target-bronze lays them out:
DuckDB (JSON `_record`) or Snowflake via fakesnow (VARIANT `_record` through PARSE_JSON). It is a
stand-in until the integration test runs the real tap and loader; keep it small.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

STREAMS: tuple[str, ...] = (
    "customers",
    "subscriptions",
    "subscription_items",
    "invoices",
    "invoice_line_items",
    "charges",
    "refunds",
    "products",
    "prices",
    "events",
)

_COLUMNS = (
    "_record",
    "_record_key",
    "_source",
    "_stream",
    "_run_id",
    "_sync_mode",
    "_is_deleted",
    "_extracted_at",
    "_loaded_at",
    "_file_name",
    "_file_row",
)

_DUCKDB_DDL = """
create table if not exists bronze.stripe__{stream} (
    _record json,
    _record_key varchar,
    _source varchar,
    _stream varchar,
    _run_id varchar,
    _sync_mode varchar,
    _is_deleted boolean,
    _extracted_at timestamp,
    _loaded_at timestamp,
    _file_name varchar,
    _file_row bigint
)
"""

_SNOWFLAKE_DDL = """
create table if not exists bronze.stripe__{stream} (
    _record variant,
    _record_key varchar,
    _source varchar,
    _stream varchar,
    _run_id varchar,
    _sync_mode varchar,
    _is_deleted boolean,
    _extracted_at timestamp_ntz,
    _loaded_at timestamp_ntz,
    _file_name varchar,
    _file_row number(38, 0)
)
"""


def _naive_utc(value: datetime) -> datetime:
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


@dataclass
class BronzeRow:
    """One version of one Stripe object as it would sit in bronze."""

    stream: str
    record: dict[str, Any]
    extracted_at: datetime
    run_id: str = "run-0001"
    sync_mode: str = "full"
    is_deleted: bool | None = None
    loaded_at: datetime | None = None
    file_name: str | None = None
    file_row: int | None = None
    key: str | None = field(default=None)

    def values(self, row_number: int) -> tuple[Any, ...]:
        extracted = _naive_utc(self.extracted_at)
        deleted = self.is_deleted if self.is_deleted is not None else self.record.get("deleted") is True
        return (
            json.dumps(self.record, sort_keys=True),
            self.key or str(self.record["id"]),
            "stripe",
            self.stream,
            self.run_id,
            self.sync_mode,
            deleted,
            extracted,
            _naive_utc(self.loaded_at) if self.loaded_at else extracted,
            self.file_name or f"stripe-{self.stream}-{extracted:%Y%m%dT%H%M%S}.jsonl",
            self.file_row if self.file_row is not None else row_number,
        )


def _by_stream(rows: Iterable[BronzeRow]) -> dict[str, list[BronzeRow]]:
    grouped: dict[str, list[BronzeRow]] = {s: [] for s in STREAMS}
    for row in rows:
        if row.stream not in grouped:
            raise ValueError(f"unknown stripe stream {row.stream!r}")
        grouped[row.stream].append(row)
    return grouped


def load_duckdb(path: str, rows: Sequence[BronzeRow], batch_size: int = 500) -> None:
    """Create every bronze.stripe__* table in the DuckDB file at `path` and append `rows`."""
    import duckdb

    con = duckdb.connect(path)
    try:
        con.execute("create schema if not exists bronze")
        for stream, stream_rows in _by_stream(rows).items():
            con.execute(_DUCKDB_DDL.format(stream=stream))
            row_sql = "(" + ", ".join("?" for _ in _COLUMNS) + ")"
            for start in range(0, len(stream_rows), batch_size):
                chunk = stream_rows[start : start + batch_size]
                params = [v for i, r in enumerate(chunk, start=start) for v in r.values(i)]
                con.execute(
                    f"insert into bronze.stripe__{stream} ({', '.join(_COLUMNS)}) values "
                    + ", ".join(row_sql for _ in chunk),
                    params,
                )
    finally:
        con.close()


def load_snowflake(conn: Any, rows: Sequence[BronzeRow], batch_size: int = 200) -> None:
    """Same as load_duckdb through a Snowflake DB-API connection (a fakesnow server in the tests).

    `_record` is VARIANT, filled with PARSE_JSON as target-bronze does on Snowflake.
    """
    cur = conn.cursor()
    cur.execute("create schema if not exists bronze")
    for stream, stream_rows in _by_stream(rows).items():
        cur.execute(_SNOWFLAKE_DDL.format(stream=stream))
        for start in range(0, len(stream_rows), batch_size):
            chunk = stream_rows[start : start + batch_size]
            selects = []
            params: list[Any] = []
            for i, row in enumerate(chunk, start=start):
                vals = row.values(i)
                selects.append(
                    "select parse_json(%s), %s, %s, %s, %s, %s, %s, "
                    "cast(%s as timestamp_ntz), cast(%s as timestamp_ntz), %s, %s"
                )
                params.extend(
                    [
                        vals[0],
                        *vals[1:7],
                        vals[7].isoformat(sep=" "),
                        vals[8].isoformat(sep=" "),
                        vals[9],
                        vals[10],
                    ]
                )
            cur.execute(
                f"insert into bronze.stripe__{stream} ({', '.join(_COLUMNS)}) " + " union all ".join(selects),
                params,
            )
    cur.close()
