"""Small bronze fixture writer for the transforms tests (contracts.md §4).

Writes Stripe objects into `bronze.stripe__<stream>` tables exactly as target-bronze lays them out:
DuckDB (JSON `_record`) or Snowflake via fakesnow (VARIANT `_record` through PARSE_JSON). It is a
stand-in until the integration test runs the real tap and loader; keep it small.

It also creates target-bronze's bookkeeping tables (`bronze._load_history`, `_load_audit`,
`_schema_history`, same columns as loader/target_bronze/warehouse.py), empty unless `audits` /
`schemas` are given: models read them, and target-bronze always creates them.
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


def declared_bronze_tables() -> list[str]:
    """Every bronze table the dbt project declares as a source (from the staging sources yml files).

    Fixtures create them all (empty unless rows are given), so a whole-project `dbt build` works
    whatever sources a test fills.
    """
    from pathlib import Path

    import yaml

    tables: list[str] = []
    staging = Path(__file__).resolve().parents[2] / "transforms" / "models" / "staging"
    for sources_yml in sorted(staging.glob("*/_*__sources.yml")):
        for source in yaml.safe_load(sources_yml.read_text()).get("sources", []):
            if source.get("schema") != "bronze":
                continue
            for table in source.get("tables", []):
                identifier = table.get("identifier", table["name"])
                if not identifier.startswith("_"):
                    tables.append(identifier)
    return tables


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
create table if not exists bronze.{table} (
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
create table if not exists bronze.{table} (
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


# target-bronze's bookkeeping tables (loader/target_bronze/warehouse.py), same DDL on both warehouses
_BOOKKEEPING_DDL = (
    "create table if not exists bronze._load_history "
    "(file_name varchar, table_name varchar, row_count bigint, run_id varchar, loaded_at timestamp)",
    "create table if not exists bronze._load_audit "
    "(run_id varchar, source varchar, stream varchar, sync_mode varchar, table_version bigint, "
    "records bigint, files bigint, rows_loaded bigint, started_at timestamp, finished_at timestamp, "
    "status varchar)",
    "create table if not exists bronze._schema_history "
    "(source varchar, stream varchar, schema_hash varchar, properties varchar, run_id varchar, "
    "first_seen_at timestamp)",
    "create table if not exists bronze._snapshot_scopes "
    "(run_id varchar, source varchar, stream varchar, table_version bigint, scope_property varchar, "
    "range_from bigint, range_to bigint)",
)


@dataclass
class LoadAudit:
    """One `bronze._load_audit` row: what target-bronze writes when a stream finished loading."""

    run_id: str
    stream: str
    started_at: datetime
    sync_mode: str = "full"
    finished_at: datetime | None = None
    status: str = "succeeded"
    records: int = 0
    source: str = "stripe"
    table_version: int | None = None
    #: A scoped snapshot's `created` ranges (epoch seconds, `to` exclusive or None): `_snapshot_scopes` rows
    scope_ranges: Sequence[tuple[int, int | None]] = ()

    def scope_values(self) -> list[tuple[Any, ...]]:
        version = self.values()[4]
        return [(self.run_id, self.source, self.stream, version, "created", lo, hi) for lo, hi in self.scope_ranges]

    def values(self) -> tuple[Any, ...]:
        started = _naive_utc(self.started_at)
        finished = _naive_utc(self.finished_at) if self.finished_at else started
        version = self.table_version
        if version is None and self.sync_mode == "full":
            version = int(started.replace(tzinfo=UTC).timestamp())
        return (
            self.run_id,
            self.source,
            self.stream,
            self.sync_mode,
            version,
            self.records,
            1 if self.records else 0,
            self.records,
            started.isoformat(sep=" "),
            finished.isoformat(sep=" "),
            self.status,
        )


@dataclass
class SchemaVersion:
    """One `bronze._schema_history` row (properties: the schema's property names)."""

    stream: str
    schema_hash: str
    properties: Sequence[str]
    first_seen_at: datetime
    run_id: str = "run-0001"
    source: str = "stripe"

    def values(self) -> tuple[Any, ...]:
        return (
            self.source,
            self.stream,
            self.schema_hash,
            json.dumps(sorted(self.properties)),  # as target-bronze writes it
            self.run_id,
            _naive_utc(self.first_seen_at).isoformat(sep=" "),
        )


def _insert_bookkeeping(
    execute: Any, placeholder: str, audits: Sequence[LoadAudit], schemas: Sequence[SchemaVersion]
) -> None:
    for ddl in _BOOKKEEPING_DDL:
        execute(ddl)
    for table, items in (("_load_audit", audits), ("_schema_history", schemas)):
        for item in items:
            values = item.values()
            execute(f"insert into bronze.{table} values ({', '.join(placeholder for _ in values)})", values)
    for audit in audits:
        for scope in audit.scope_values():
            execute(f"insert into bronze._snapshot_scopes values ({', '.join(placeholder for _ in scope)})", scope)


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


def load_duckdb(
    path: str,
    rows: Sequence[BronzeRow],
    batch_size: int = 500,
    audits: Sequence[LoadAudit] = (),
    schemas: Sequence[SchemaVersion] = (),
) -> None:
    """Create every bronze.stripe__* table (and the bookkeeping tables) in the DuckDB file at `path`
    and append `rows` (and `audits` / `schemas`)."""
    import duckdb

    con = duckdb.connect(path)
    try:
        con.execute("create schema if not exists bronze")
        _insert_bookkeeping(con.execute, "?", audits, schemas)
        for table in declared_bronze_tables():
            con.execute(_DUCKDB_DDL.format(table=table))
        for stream, stream_rows in _by_stream(rows).items():
            con.execute(_DUCKDB_DDL.format(table=f"stripe__{stream}"))
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


def load_snowflake(
    conn: Any,
    rows: Sequence[BronzeRow],
    batch_size: int = 200,
    audits: Sequence[LoadAudit] = (),
    schemas: Sequence[SchemaVersion] = (),
) -> None:
    """Same as load_duckdb through a Snowflake DB-API connection (a fakesnow server in the tests).

    `_record` is VARIANT, filled with PARSE_JSON as target-bronze does on Snowflake.
    """
    cur = conn.cursor()
    cur.execute("create schema if not exists bronze")
    _insert_bookkeeping(cur.execute, "%s", audits, schemas)
    for table in declared_bronze_tables():
        cur.execute(_SNOWFLAKE_DDL.format(table=table))
    for stream, stream_rows in _by_stream(rows).items():
        cur.execute(_SNOWFLAKE_DDL.format(table=f"stripe__{stream}"))
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
