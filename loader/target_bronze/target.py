"""The singer-sdk target: records → stage files → bronze, append-only."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from singer_sdk import typing as th
from singer_sdk.sinks import BatchSink
from singer_sdk.target_base import Target

from target_bronze.loader import BronzeLoader
from target_bronze.settings import open_stage, open_warehouse, run_id, source_name
from target_bronze.warehouse import BronzeWarehouse, LoadAudit, utc_now

logger = logging.getLogger("target_bronze")


class BronzeSink(BatchSink):
    """One stream's sink: each batch becomes one stage file loaded into bronze."""

    target: TargetBronze

    def __init__(self, target: TargetBronze, stream_name: str, schema: dict, key_properties: Any) -> None:
        super().__init__(target, stream_name, schema, key_properties)
        self.target = target
        self.sync_mode = "delta"
        self.table_version: int | None = None
        self.records = 0
        self.files = 0
        self.rows_loaded = 0
        self.started_at = utc_now()
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

    def activate_version(self, new_version: int) -> None:
        """A full-table sync started: its rows are a complete snapshot of the stream."""
        self.sync_mode = "full"
        self.table_version = new_version

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
                status="succeeded",
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

    def process_endofpipe(self) -> None:
        super().process_endofpipe()
        self.warehouse.close()


if __name__ == "__main__":
    TargetBronze.cli()
