"""Write ground truth as CSV files plus `manifest.json` (deterministic bytes for a given input)."""

from __future__ import annotations

import csv
import json
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from acme_world.truth import (
    CustomerRow,
    FailedPaymentRow,
    MrrRow,
    OpenEscalationRow,
    OwnerRow,
    Truth,
)

FILES: dict[str, type] = {
    "mrr.csv": MrrRow,
    "failed_payments.csv": FailedPaymentRow,
    "owners.csv": OwnerRow,
    "customers.csv": CustomerRow,
    "open_escalations.csv": OpenEscalationRow,
}


def format_value(value: Any) -> str:
    """CSV text of a truth value: ISO dates/times (UTC, `Z`), `true`/`false`, empty for None,
    id lists joined with `|`."""
    if value is None:
        return ""
    if isinstance(value, tuple):
        return "|".join(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _write_csv(path: Path, row_type: type, rows: list[Any]) -> None:
    names = [f.name for f in fields(row_type)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(names)
        for row in rows:
            writer.writerow([format_value(getattr(row, name)) for name in names])


def write_truth_files(directory: Path, truth: Truth, config: dict[str, object], counts: dict[str, Any]) -> list[Path]:
    """Write the truth CSV files (:data:`FILES`) and manifest.json into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    tables: dict[str, list[Any]] = {
        "mrr.csv": truth.mrr,
        "failed_payments.csv": truth.failed_payments,
        "owners.csv": truth.owners,
        "customers.csv": truth.customers,
        "open_escalations.csv": truth.open_escalations,
    }
    paths = []
    for name, row_type in FILES.items():
        path = directory / name
        _write_csv(path, row_type, tables[name])
        paths.append(path)
    manifest = {
        "generator": "acme_world",
        "config": config,
        "as_of": format_value(truth.as_of),
        "counts": {**counts, "truth": {name: len(rows) for name, rows in tables.items()}},
        "definitions": "docs/contracts.md sections 2 (MRR) and 3 (failed payments); "
        "world/README.md (owners, customers, open escalations)",
        "files": list(FILES),
    }
    manifest_path = directory / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    paths.append(manifest_path)
    return paths
