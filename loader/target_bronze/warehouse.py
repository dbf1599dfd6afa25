"""Bronze warehouses: the same tables, load history and audit on DuckDB and on Snowflake."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from target_bronze.rows import BRONZE_COLUMNS, LOADED_AT_COLUMN
from target_bronze.stage import Stage, StagedFile

logger = logging.getLogger("target_bronze")

SCHEMA = "bronze"


@dataclass(frozen=True)
class SnapshotScope:
    """The part of a stream a scoped full snapshot covers: records whose ``property`` lies in one of
    ``ranges`` (``from`` inclusive, ``to`` exclusive; None = open). Stripe's partitioned
    reconciliation reads ``created`` ranges (sources/stripe/tap_stripe/reconcile.py)."""

    property: str
    ranges: tuple[tuple[int, int | None], ...]

    @classmethod
    def from_message(cls, scope: Any, stream: str) -> SnapshotScope:
        """The ``scope`` of an ACTIVATE_VERSION message; a malformed one is refused, naming the stream."""
        try:
            ranges = tuple((int(lo), None if hi is None else int(hi)) for lo, hi in scope["ranges"])
            prop = str(scope["property"])
        except (KeyError, TypeError, ValueError) as exc:
            msg = f"bronze: stream {stream!r} sent an ACTIVATE_VERSION with a malformed scope {scope!r} ({exc})"
            raise ValueError(msg) from exc
        if not ranges or not prop:
            msg = f"bronze: stream {stream!r} sent an ACTIVATE_VERSION scope without a property or ranges"
            raise ValueError(msg)
        return cls(prop, ranges)


@dataclass(frozen=True)
class LoadAudit:
    """What one run did to one stream: the facts a status page reads."""

    run_id: str
    source: str
    stream: str
    sync_mode: str
    table_version: int | None
    records: int
    files: int
    rows_loaded: int
    started_at: dt.datetime
    finished_at: dt.datetime
    status: str
    #: A full snapshot of part of the stream: written to ``_snapshot_scopes`` with the audit row.
    scope: SnapshotScope | None = None


class BronzeWarehouse(Protocol):
    """What the loader needs from a warehouse."""

    def ensure_table(self, table: str) -> None: ...
    def load_file(self, table: str, staged: StagedFile, run_id: str) -> int: ...
    def loaded_files(self, table: str) -> set[str]: ...
    def record_audit(self, audit: LoadAudit) -> None: ...
    def record_schema(self, source: str, stream: str, schema: dict[str, Any], run_id: str) -> bool: ...
    def close(self) -> None: ...


def schema_fingerprint(schema: dict[str, Any]) -> str:
    """Stable hash of a JSON schema (key order does not matter)."""
    return hashlib.sha256(json.dumps(schema, sort_keys=True).encode()).hexdigest()[:16]


def utc_now() -> dt.datetime:
    """Current UTC time without tzinfo (bronze stores UTC as naive timestamps)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


_AUDIT_COLUMNS = (
    "run_id VARCHAR, source VARCHAR, stream VARCHAR, sync_mode VARCHAR, table_version BIGINT, "
    "records BIGINT, files BIGINT, rows_loaded BIGINT, started_at TIMESTAMP, "
    "finished_at TIMESTAMP, status VARCHAR"
)
_HISTORY_COLUMNS = "file_name VARCHAR, table_name VARCHAR, row_count BIGINT, run_id VARCHAR, loaded_at TIMESTAMP"
_SCOPE_COLUMNS = (
    "run_id VARCHAR, source VARCHAR, stream VARCHAR, table_version BIGINT, scope_property VARCHAR, "
    "range_from BIGINT, range_to BIGINT"
)
_SCHEMA_COLUMNS = (
    "source VARCHAR, stream VARCHAR, schema_hash VARCHAR, properties VARCHAR, run_id VARCHAR, first_seen_at TIMESTAMP"
)


def _scope_values(audit: LoadAudit) -> list[tuple[Any, ...]]:
    """``_snapshot_scopes`` rows of a scoped snapshot (none for a whole-stream one or a delta)."""
    if audit.scope is None:
        return []
    return [
        (audit.run_id, audit.source, audit.stream, audit.table_version, audit.scope.property, lo, hi)
        for lo, hi in audit.scope.ranges
    ]


def _audit_values(audit: LoadAudit) -> tuple[Any, ...]:
    return (
        audit.run_id,
        audit.source,
        audit.stream,
        audit.sync_mode,
        audit.table_version,
        audit.records,
        audit.files,
        audit.rows_loaded,
        audit.started_at,
        audit.finished_at,
        audit.status,
    )


class DuckDBBronze:
    """Bronze in a local DuckDB file; load history kept in ``bronze._load_history``."""

    def __init__(self, path: str) -> None:
        import duckdb

        self.path = path
        self.conn = duckdb.connect(path)
        self.conn.execute(f"create schema if not exists {SCHEMA}")
        self.conn.execute(f"create table if not exists {SCHEMA}._load_history ({_HISTORY_COLUMNS})")
        self.conn.execute(f"create table if not exists {SCHEMA}._load_audit ({_AUDIT_COLUMNS})")
        self.conn.execute(f"create table if not exists {SCHEMA}._schema_history ({_SCHEMA_COLUMNS})")
        self.conn.execute(f"create table if not exists {SCHEMA}._snapshot_scopes ({_SCOPE_COLUMNS})")

    def ensure_table(self, table: str) -> None:
        columns = ", ".join(f"{name} {duck}" for name, duck, _ in BRONZE_COLUMNS)
        self.conn.execute(f"create table if not exists {SCHEMA}.{table} ({columns}, {LOADED_AT_COLUMN} TIMESTAMP)")

    def load_file(self, table: str, staged: StagedFile, run_id: str) -> int:
        """Insert a stage file's rows and its history entry in one transaction."""
        self.conn.execute("begin transaction")
        try:
            seen = self.conn.execute(
                f"select 1 from {SCHEMA}._load_history where file_name = ? and table_name = ?",
                [staged.name, table],
            ).fetchone()
            if seen:
                self.conn.execute("rollback")
                return 0
            names = ", ".join(name for name, _, _ in BRONZE_COLUMNS)
            spec = ", ".join(f"'{name}': '{duck}'" for name, duck, _ in BRONZE_COLUMNS)
            path = staged.url.removeprefix("file://")
            loaded_at = utc_now()
            # The insert answers with its row count: no scan of the (growing) table for the file.
            (rows,) = self.conn.execute(
                f"insert into {SCHEMA}.{table} ({names}, {LOADED_AT_COLUMN}) "
                f"select {names}, ?::TIMESTAMP from read_json(?, format = 'newline_delimited', "
                f"compression = 'gzip', columns = {{{spec}}})",
                [loaded_at, path],
            ).fetchone() or (0,)
            self.conn.execute(
                f"insert into {SCHEMA}._load_history values (?, ?, ?, ?, ?)",
                [staged.name, table, rows, run_id, loaded_at],
            )
            self.conn.execute("commit")
        except BaseException:
            self.conn.execute("rollback")
            raise
        return int(rows)

    def loaded_files(self, table: str) -> set[str]:
        """Stage files already loaded into ``table`` (from the load history)."""
        rows = self.conn.execute(
            f"select file_name from {SCHEMA}._load_history where table_name = ?", [table]
        ).fetchall()
        return {name for (name,) in rows}

    def record_audit(self, audit: LoadAudit) -> None:
        """The audit row and a scoped snapshot's scope rows, in one transaction (an audit row
        without its scope would read as a whole-stream snapshot)."""
        self.conn.execute("begin transaction")
        try:
            for values in _scope_values(audit):
                self.conn.execute(f"insert into {SCHEMA}._snapshot_scopes values (?, ?, ?, ?, ?, ?, ?)", list(values))
            self.conn.execute(
                f"insert into {SCHEMA}._load_audit values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                list(_audit_values(audit)),
            )
            self.conn.execute("commit")
        except BaseException:
            self.conn.execute("rollback")
            raise

    def record_schema(self, source: str, stream: str, schema: dict[str, Any], run_id: str) -> bool:
        fingerprint = schema_fingerprint(schema)
        known = self.conn.execute(
            f"select 1 from {SCHEMA}._schema_history where source = ? and stream = ? and schema_hash = ?",
            [source, stream, fingerprint],
        ).fetchone()
        if known:
            return False
        properties = json.dumps(sorted(schema.get("properties", {})))
        self.conn.execute(
            f"insert into {SCHEMA}._schema_history values (?, ?, ?, ?, ?, ?)",
            [source, stream, fingerprint, properties, run_id, utc_now()],
        )
        return True

    def close(self) -> None:
        self.conn.close()


class SnowflakeBronze:
    """Bronze in Snowflake: ``COPY INTO`` from an external stage, whose load history skips repeats."""

    STAGE = f"{SCHEMA}.bronze_stage"

    def __init__(self, connect_args: dict[str, Any], stage: Stage, storage_integration: str | None) -> None:
        import snowflake.connector

        self.conn = snowflake.connector.connect(**connect_args)
        self.cur = self.conn.cursor()
        self.cur.execute(f"create schema if not exists {SCHEMA}")
        integration = f" storage_integration = {storage_integration}" if storage_integration else ""
        self.cur.execute(
            f"create stage if not exists {self.STAGE} url = '{stage.url}/'{integration} file_format = (type = json)"
        )
        for name, columns in (
            ("_load_history", _HISTORY_COLUMNS),
            ("_load_audit", _AUDIT_COLUMNS),
            ("_schema_history", _SCHEMA_COLUMNS),
            ("_snapshot_scopes", _SCOPE_COLUMNS),
        ):
            self.cur.execute(f"create table if not exists {SCHEMA}.{name} ({columns})")

    def ensure_table(self, table: str) -> None:
        columns = ", ".join(f"{name} {snow}" for name, _, snow in BRONZE_COLUMNS)
        self.cur.execute(f"create table if not exists {SCHEMA}.{table} ({columns}, {LOADED_AT_COLUMN} TIMESTAMP_NTZ)")

    def load_file(self, table: str, staged: StagedFile, run_id: str) -> int:
        """COPY the file into the table's landing table (load history skips repeats), then type it.

        One transaction: the rows, the landing clean-up and Snowflake's load history commit together.
        A landing table with one VARIANT column is plain Snowflake and also runs on fakesnow, whose
        COPY cannot transform JSON columns.
        """
        landing = f"{SCHEMA}._landing__{table}"
        if not self._table_exists(f"_landing__{table}"):
            # Created only when missing: fakesnow clears a table's load history on any CREATE TABLE,
            # even IF NOT EXISTS (real Snowflake keeps it); checking first is correct on both.
            self.cur.execute(f"create table {landing} (v VARIANT)")
        loaded_at = utc_now()
        folder, _, file = staged.name.rpartition("/")
        names = ", ".join(name for name, _, _ in BRONZE_COLUMNS)
        select = ", ".join(
            f"v:{name}" if snow == "VARIANT" else f"v:{name}::{snow}" for name, _, snow in BRONZE_COLUMNS
        )
        self.cur.execute("begin")
        try:
            self.cur.execute(
                f"copy into {landing} from @{self.STAGE}/{folder}/ files = ('{file}') file_format = (type = json)"
            )
            self.cur.execute(
                f"insert into {SCHEMA}.{table} ({names}, {LOADED_AT_COLUMN}) "
                f"select {select}, %s::TIMESTAMP_NTZ from {landing}",
                (loaded_at,),
            )
            rows = int(self.cur.rowcount or 0)
            self.cur.execute(f"delete from {landing}")
            if rows:
                self.cur.execute(
                    f"insert into {SCHEMA}._load_history values (%s, %s, %s, %s, %s)",
                    (staged.name, table, rows, run_id, loaded_at),
                )
            self.cur.execute("commit")
        except BaseException:
            self.cur.execute("rollback")
            raise
        return rows

    def loaded_files(self, table: str) -> set[str]:
        """Stage files already loaded into ``table`` (from the load history)."""
        self.cur.execute(f"select file_name from {SCHEMA}._load_history where table_name = %s", (table,))
        return {name for (name,) in self.cur.fetchall()}

    def _table_exists(self, name: str) -> bool:
        self.cur.execute(
            "select 1 from information_schema.tables where table_schema = %s and table_name = %s",
            (SCHEMA.upper(), name.upper()),
        )
        return self.cur.fetchone() is not None

    def record_audit(self, audit: LoadAudit) -> None:
        """The audit row and a scoped snapshot's scope rows, in one transaction."""
        self.cur.execute("begin")
        try:
            for values in _scope_values(audit):
                self.cur.execute(f"insert into {SCHEMA}._snapshot_scopes values (%s, %s, %s, %s, %s, %s, %s)", values)
            self.cur.execute(
                f"insert into {SCHEMA}._load_audit values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                _audit_values(audit),
            )
            self.cur.execute("commit")
        except BaseException:
            self.cur.execute("rollback")
            raise

    def record_schema(self, source: str, stream: str, schema: dict[str, Any], run_id: str) -> bool:
        fingerprint = schema_fingerprint(schema)
        self.cur.execute(
            f"select 1 from {SCHEMA}._schema_history where source = %s and stream = %s and schema_hash = %s",
            (source, stream, fingerprint),
        )
        if self.cur.fetchone():
            return False
        properties = json.dumps(sorted(schema.get("properties", {})))
        self.cur.execute(
            f"insert into {SCHEMA}._schema_history values (%s, %s, %s, %s, %s, %s)",
            (source, stream, fingerprint, properties, run_id, utc_now()),
        )
        return True

    def close(self) -> None:
        self.conn.close()
