"""The singer-sdk target: records → stage files → bronze, append-only."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from singer_sdk import typing as th
from singer_sdk.helpers._compat import date_fromisoformat, datetime_fromisoformat, time_fromisoformat
from singer_sdk.helpers._typing import get_datelike_property_type, handle_invalid_timestamp_in_record
from singer_sdk.sinks import BatchSink
from singer_sdk.target_base import Target

from target_bronze.loader import BronzeLoader
from target_bronze.settings import open_stage, open_warehouse, run_id, source_name
from target_bronze.warehouse import BronzeWarehouse, LoadAudit, SnapshotScope, utc_now

logger = logging.getLogger("target_bronze")


class BronzeSink(BatchSink):
    """One stream's sink: each batch becomes one stage file loaded into bronze."""

    target: TargetBronze

    def __init__(self, target: TargetBronze, stream_name: str, schema: dict, key_properties: Any) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.target = target
        self.sync_mode = "delta"
        #: A full snapshot counts as complete only once the tap's closing ACTIVATE_VERSION arrived:
        #: a tap that dies mid-stream leaves an `incomplete` audit row, which silver never reads
        #: as a snapshot (it would otherwise infer every unread record as deleted).
        self.snapshot_closed = False
        self.table_version: int | None = None
        #: The part of the stream a scoped snapshot covers (from its ACTIVATE_VERSION); None: all of it.
        self.snapshot_scope: SnapshotScope | None = None
        self.records = 0
        self.files = 0
        self.rows_loaded = 0
        self.started_at = utc_now()
        self._datelike: tuple[dict, dict[str, str]] | None = None
        stream = self.bronze_stream
        self.target.loader.table(stream)
        if self.target.warehouse.record_schema(self.target.loader.source, stream, schema, self.target.loader.run_id):
            self.logger.info(
                "new schema version recorded",
                extra={"source": self.target.loader.source, "stream": stream, "run_id": self.target.loader.run_id},
            )

    @property
    def bronze_stream(self) -> str:
        """Stream name as used in bronze table names."""
        return self.stream_name.replace("-", "_").lower()

    @property
    def max_size(self) -> int:
        return int(self.config.get("batch_size_rows") or 10_000)

    @property
    def include_sdc_metadata_properties(self) -> bool:
        """Always on: bronze needs each record's extraction time (the rest is dropped)."""
        return True

    def get_validator(self) -> None:
        """Bronze keeps whatever the source sent; contracts are checked downstream."""
        return None

    def _datelike_properties(self, schema: dict) -> dict[str, str]:
        """Date-like top-level properties of ``schema`` and their format, worked out once."""
        if self._datelike is None or self._datelike[0] is not schema:
            found = {}
            for key, property_schema in schema["properties"].items():
                if datelike_type := get_datelike_property_type(property_schema):
                    found[key] = datelike_type
            self._datelike = (schema, found)
        return self._datelike[1]

    def _parse_timestamps_in_record(self, record: dict, schema: dict, treatment: Any) -> None:
        """singer-sdk's timestamp parsing, the same result without re-reading the schema per record.

        singer-sdk asks every property's schema whether it is date-like for every record; the
        answers do not change within a sink (a new schema gets a new sink), so they are kept.
        """
        datelike = self._datelike_properties(schema)
        properties = schema["properties"]
        additional_properties = schema.get("additionalProperties", False)
        for key, value in record.items():
            if key not in properties:
                if value is not None and not additional_properties and key not in self._warned_missing_fields:
                    self.logger.warning("No schema for record field '%s'", key)
                    self._warned_missing_fields.add(key)
                continue
            datelike_type = datelike.get(key)
            if datelike_type is None:
                continue
            date_val = value
            try:
                if value is not None:
                    if datelike_type == "time":
                        date_val = time_fromisoformat(date_val)
                    elif datelike_type == "date":
                        date_val = date_fromisoformat(date_val)
                    else:
                        date_val = datetime_fromisoformat(date_val)
            except ValueError as ex:
                date_val = handle_invalid_timestamp_in_record(
                    record, [key], date_val, datelike_type, ex, treatment, self.logger
                )
            record[key] = date_val

    def activate_scoped_version(self, new_version: int, scope: Any) -> None:
        """ACTIVATE_VERSION with a ``scope``: the snapshot covers only part of the stream."""
        self.snapshot_scope = None if scope is None else SnapshotScope.from_message(scope, self.stream_name)
        self.activate_version(new_version)

    def activate_version(self, new_version: int) -> None:
        """A full-table sync started: its rows are a complete snapshot of the stream.

        The same version again closes the snapshot (the source taps send one ACTIVATE_VERSION
        before a stream's first record and one after its last): the stream's rows are all here,
        so they are staged and loaded now, while the tap reads the next streams, instead of at
        the end of the input. State still goes out only after every sink is drained.
        """
        closing = self.table_version == new_version
        self.snapshot_closed = closing
        self.sync_mode = "full"
        self.table_version = new_version
        if closing and self.current_size:
            self.target.drain_one(self)

    def process_batch(self, context: dict) -> None:
        records = context.get("records", [])
        if not records:
            return
        self.rows_loaded += self.target.loader.write_and_load(
            self.bronze_stream, self.key_properties, records, self.sync_mode
        )
        self.records += len(records)
        self.files += 1

    def clean_up(self) -> None:
        """End of stream: recover stage files left by interrupted runs, then record the audit row."""
        self.rows_loaded += self.target.loader.sweep(self.bronze_stream)
        loader = self.target.loader
        self.target.warehouse.record_audit(
            LoadAudit(
                run_id=loader.run_id,
                source=loader.source,
                stream=self.bronze_stream,
                sync_mode=self.sync_mode,
                table_version=self.table_version,
                records=self.records,
                files=self.files,
                rows_loaded=self.rows_loaded,
                started_at=self.started_at,
                finished_at=utc_now(),
                status="incomplete" if self.sync_mode == "full" and not self.snapshot_closed else "succeeded",
                scope=self.snapshot_scope if self.sync_mode == "full" else None,
            )
        )
        self.logger.info(
            "stream loaded into bronze",
            extra={
                "source": loader.source,
                "stream": self.bronze_stream,
                "run_id": loader.run_id,
                "sync_mode": self.sync_mode,
                "records": self.records,
                "rows": self.rows_loaded,
            },
        )
        super().clean_up()


class TargetBronze(Target):
    """Lands every record version append-only in ``bronze.<source>__<stream>``."""

    name = "target-bronze"
    default_sink_class = BronzeSink
    max_parallelism = 1

    config_jsonschema = th.PropertiesList(
        th.Property(
            "warehouse",
            th.StringType,
            default="duckdb",
            allowed_values=["duckdb", "snowflake"],
            description="Where bronze lives.",
        ),
        th.Property(
            "stage_url",
            th.StringType,
            required=True,
            description="Stage folder, file:// or s3:// URL for bronze files.",
        ),
        th.Property("duckdb_path", th.StringType, description="DuckDB warehouse file."),
        th.Property("source", th.StringType, description="Source name; defaults to the Meltano extractor namespace."),
        th.Property("run_id", th.StringType, description="Run id; defaults to env ACME_RUN_ID."),
        th.Property("batch_size_rows", th.IntegerType, default=10_000),
        th.Property("snowflake_account", th.StringType),
        th.Property("snowflake_user", th.StringType),
        th.Property("snowflake_password", th.StringType, secret=True),
        th.Property("snowflake_private_key_file", th.StringType),
        th.Property("snowflake_role", th.StringType),
        th.Property("snowflake_warehouse", th.StringType),
        th.Property("snowflake_database", th.StringType),
        th.Property("snowflake_host", th.StringType),
        th.Property("snowflake_port", th.IntegerType),
        th.Property("snowflake_protocol", th.StringType),
        th.Property("snowflake_storage_integration", th.StringType),
    ).to_dict()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stage = open_stage(self.config)
        self.warehouse: BronzeWarehouse = open_warehouse(self.config, stage)
        self.loader = BronzeLoader(self.warehouse, stage, source_name(self.config), run_id(self.config))
        self.logger.info(
            "target-bronze started",
            extra={
                "source": self.loader.source,
                "run_id": self.loader.run_id,
                "started_at": dt.datetime.now(dt.UTC).isoformat(),
            },
        )

    def _process_activate_version_message(self, message_dict: dict) -> None:
        """ACTIVATE_VERSION, with the ``scope`` of a snapshot that covers part of a stream.

        singer-sdk reads only ``stream`` and ``version``; the source taps add ``scope`` (their
        ``ScopedActivateVersionMessage``) when a full read covers only some of the stream.
        """
        stream_name = message_dict["stream"]
        for stream_map in self.mapper.stream_maps[stream_name]:
            sink = self.get_sink(stream_map.stream_alias)
            if isinstance(sink, BronzeSink):
                sink.activate_scoped_version(message_dict["version"], message_dict.get("scope"))
            else:  # pragma: no cover - every sink of this target is a BronzeSink
                sink.activate_version(message_dict["version"])

    def process_endofpipe(self) -> None:
        super().process_endofpipe()
        self.warehouse.close()


if __name__ == "__main__":
    TargetBronze.cli()
