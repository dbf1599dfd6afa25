"""Bronze rows for Salesforce and Zendesk from an acme_world World, as their taps emit them.

Extends `world_bronze.py` (Stripe) to the other two sources, for the identity-resolution tests:

* Salesforce (tap-salesforce, REST `queryAll`): the API body without `attributes`, plus
  `_sdc_deleted_at` = `SystemModstamp` when `IsDeleted` is true (bronze `_is_deleted`); key = `Id`.
* Zendesk (tap-zendesk, incremental exports): the API body as is; organizations with `deleted_at`
  get `_sdc_deleted_at` (bronze `_is_deleted`); key = `str(id)`.

Every version valid at or before `as_of` becomes one row extracted at its `valid_from` (a delta
history, no full snapshot, so no delete is inferred). Tables are created for every Salesforce and
Zendesk stream (empty when the world has no rows) so any staging model can build.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SALESFORCE_STREAMS = {"Account": "accounts", "Contact": "contacts", "Opportunity": "opportunities", "User": "users"}
ZENDESK_STREAMS = {
    "organization": "organizations",
    "user": "users",
    "ticket": "tickets",
    "ticket_comment": "ticket_comments",
}

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


@dataclass
class SourceRow:
    """One version of one Salesforce / Zendesk object as it sits in bronze."""

    source: str
    stream: str
    record: dict[str, Any]
    key: str
    extracted_at: datetime
    is_deleted: bool
    file_row: int
    run_id: str = "world"
    sync_mode: str = "delta"

    def values(self) -> tuple[Any, ...]:
        return (
            json.dumps(self.record, sort_keys=True),
            self.key,
            self.source,
            self.stream,
            self.run_id,
            self.sync_mode,
            self.is_deleted,
            self.extracted_at,
            self.extracted_at,
            f"{self.source}-{self.stream}-{self.extracted_at:%Y%m%d}.jsonl",
            self.file_row,
        )


def _at(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def _salesforce_record(body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    record = {k: v for k, v in body.items() if k != "attributes"}
    deleted = record.get("IsDeleted") is True
    record["_sdc_deleted_at"] = record.get("SystemModstamp") if deleted else None
    return record, deleted


def _zendesk_record(resource: str, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    if resource == "organization" and body.get("deleted_at"):
        return {**body, "_sdc_deleted_at": body["deleted_at"]}, True
    if resource == "ticket" and body.get("status") == "deleted":
        return {**body, "_sdc_deleted_at": body.get("updated_at")}, True
    return dict(body), False


def _valid_from_epoch(value: Any) -> int:
    if isinstance(value, datetime):
        return int(value.timestamp())
    return int(value)


def world_source_rows(world: Any, as_of: datetime, after: datetime | None = None) -> list[SourceRow]:
    """Salesforce and Zendesk bronze rows for versions with `after < valid_from <= as_of`."""
    cutoff = int(as_of.timestamp())
    start = int(after.timestamp()) if after else None
    rows: list[SourceRow] = []
    for source, view, streams in (
        ("salesforce", world.salesforce, SALESFORCE_STREAMS),
        ("zendesk", world.zendesk, ZENDESK_STREAMS),
    ):
        for index, version in enumerate(view.versions):
            valid_from = _valid_from_epoch(version.valid_from)
            if valid_from > cutoff:
                break  # sorted by (valid_from, id)
            if start is not None and valid_from <= start:
                continue
            if source == "salesforce":
                record, deleted = _salesforce_record(version.body)
            else:
                record, deleted = _zendesk_record(version.resource, version.body)
            extracted = _at(valid_from)
            rows.append(
                SourceRow(
                    source=source,
                    stream=streams[version.resource],
                    record=record,
                    key=str(version.id),
                    extracted_at=extracted,
                    is_deleted=deleted,
                    file_row=index,
                    run_id=f"world-{extracted:%Y%m%d}",
                )
            )
    return rows


def _tables() -> list[str]:
    return [f"salesforce__{s}" for s in SALESFORCE_STREAMS.values()] + [
        f"zendesk__{s}" for s in ZENDESK_STREAMS.values()
    ]


def _ddl(table: str, snowflake: bool) -> str:
    record_type, ts, num = (
        ("variant", "timestamp_ntz", "number(38, 0)") if snowflake else ("json", "timestamp", "bigint")
    )
    return (
        f"create table if not exists bronze.{table} (_record {record_type}, _record_key varchar, "
        f"_source varchar, _stream varchar, _run_id varchar, _sync_mode varchar, _is_deleted boolean, "
        f"_extracted_at {ts}, _loaded_at {ts}, _file_name varchar, _file_row {num})"
    )


def _by_table(rows: Iterable[SourceRow]) -> dict[str, list[SourceRow]]:
    grouped: dict[str, list[SourceRow]] = {t: [] for t in _tables()}
    for row in rows:
        grouped[f"{row.source}__{row.stream}"].append(row)
    return grouped


def load_sources_duckdb(path: str, rows: Sequence[SourceRow], batch_size: int = 500) -> None:
    """Create every bronze.salesforce__* / zendesk__* table in the DuckDB file and append `rows`."""
    import duckdb

    con = duckdb.connect(path)
    try:
        con.execute("create schema if not exists bronze")
        placeholders = "(" + ", ".join("?" for _ in _COLUMNS) + ")"
        for table, table_rows in _by_table(rows).items():
            con.execute(_ddl(table, snowflake=False))
            for start in range(0, len(table_rows), batch_size):
                chunk = table_rows[start : start + batch_size]
                con.execute(
                    f"insert into bronze.{table} ({', '.join(_COLUMNS)}) values "
                    + ", ".join(placeholders for _ in chunk),
                    [v for r in chunk for v in r.values()],
                )
    finally:
        con.close()


def load_sources_snowflake(conn: Any, rows: Sequence[SourceRow], batch_size: int = 200) -> None:
    """Same through a Snowflake DB-API connection (fakesnow): `_record` VARIANT via PARSE_JSON."""
    cur = conn.cursor()
    cur.execute("create schema if not exists bronze")
    for table, table_rows in _by_table(rows).items():
        cur.execute(_ddl(table, snowflake=True))
        for start in range(0, len(table_rows), batch_size):
            chunk = table_rows[start : start + batch_size]
            selects = []
            params: list[Any] = []
            for row in chunk:
                vals = row.values()
                selects.append(
                    "select parse_json(%s), %s, %s, %s, %s, %s, %s, "
                    "cast(%s as timestamp_ntz), cast(%s as timestamp_ntz), %s, %s"
                )
                params.extend([*vals[:7], vals[7].isoformat(sep=" "), vals[8].isoformat(sep=" "), *vals[9:]])
            cur.execute(
                f"insert into bronze.{table} ({', '.join(_COLUMNS)}) " + " union all ".join(selects),
                params,
            )
    cur.close()
