"""BronzeLoader: stage a batch of records, then load it; shared by the target and every other writer."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from target_bronze.rows import bronze_lines, bronze_table_name
from target_bronze.stage import Stage
from target_bronze.warehouse import BronzeWarehouse

logger = logging.getLogger("target_bronze")


class BronzeLoader:
    """The one load path into bronze: stage file first, then an idempotent load of that file."""

    def __init__(self, warehouse: BronzeWarehouse, stage: Stage, source: str, run_id: str) -> None:
        self.warehouse = warehouse
        self.stage = stage
        self.source = source
        self.run_id = run_id
        self._sequence = 0

    def table(self, stream: str) -> str:
        """Bronze table of ``stream``, created on first use."""
        table = bronze_table_name(self.source, stream)
        self.warehouse.ensure_table(table)
        return table

    def write_and_load(
        self,
        stream: str,
        key_properties: Sequence[str],
        records: Iterable[Mapping[str, Any]],
        sync_mode: str,
        extracted_at: dt.datetime | str | None = None,
    ) -> int:
        """Stage ``records`` as one file and load it; returns the rows that landed."""
        table = self.table(stream)
        self._sequence += 1
        name = f"{self.source}/{stream}/{self.run_id}/{stream}-{self._sequence:06d}-{uuid.uuid4().hex[:8]}.jsonl.gz"
        lines = bronze_lines(
            records,
            source=self.source,
            stream=stream,
            key_properties=key_properties,
            run_id=self.run_id,
            sync_mode=sync_mode,
            file_name=name,
            extracted_at=extracted_at,
        )
        staged = self.stage.write(name, lines)
        rows = self.warehouse.load_file(table, staged, self.run_id)
        logger.info(
            "loaded stage file into bronze",
            extra={"source": self.source, "stream": stream, "run_id": self.run_id, "file": name, "rows": rows},
        )
        return rows

    def sweep(self, stream: str) -> int:
        """Load stage files of ``stream`` that an earlier, interrupted run left unloaded."""
        table = self.table(stream)
        loaded = 0
        staged_files = self.stage.list(f"{self.source}/{stream}/")
        done = self.warehouse.loaded_files(table) if staged_files else set()
        for staged in staged_files:
            if staged.name in done:
                continue  # loaded before (load_file would skip it too, one query per file)
            rows = self.warehouse.load_file(table, staged, self.run_id)
            if rows:
                logger.info(
                    "recovered unloaded stage file",
                    extra={
                        "source": self.source,
                        "stream": stream,
                        "run_id": self.run_id,
                        "file": staged.name,
                        "rows": rows,
                    },
                )
            loaded += rows
        return loaded
