"""Bulk API 2.0 query jobs: create, poll, results as CSV pages (``Sforce-Locator``, ``maxRecords``).

A job runs its query when it is created (a snapshot at the sandbox clock) and answers
``UploadComplete``/``InProgress`` for ``bulk_polls_until_complete`` polls before ``JobComplete``.
A query on an object listed in ``query_timeout_objects`` ends ``Failed`` with a ``QUERY_TIMEOUT``
error message; its results endpoint then answers 200 with a header-only CSV, as some Salesforce
client paths see it, so a client must check the job state and the record count itself.
"""

from __future__ import annotations

import base64
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from salesforce_sandbox.settings import API_VERSION
from salesforce_sandbox.store import Body


def bulk_value(value: Any, field_type: str) -> str | None:
    """One CSV cell as Bulk API 2.0 writes it (None for an empty cell)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if field_type == "datetime" and isinstance(value, str) and value.endswith("+0000"):
        return value[: -len("+0000")] + "Z"
    if isinstance(value, float) and value.is_integer() and field_type in ("int",):
        return str(int(value))
    return str(value)


def _cell(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def to_csv(fields: list[str], rows: list[Body], types: dict[str, str]) -> str:
    """Header plus rows: every value quoted, empty cells for nulls, LF line endings."""
    lines = [",".join(_cell(name) for name in fields)]
    for row in rows:
        lines.append(",".join(_cell(bulk_value(row.get(name), types.get(name, "string"))) for name in fields))
    return "\n".join(lines) + "\n"


def encode_locator(offset: int) -> str:
    """An opaque locator for the results page starting at ``offset``."""
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_locator(locator: str) -> int | None:
    """The offset behind a locator, or None when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(locator + "=" * (-len(locator) % 4)).decode()
    except (ValueError, UnicodeDecodeError):
        return None
    if not text.startswith("offset:") or not text[7:].isdigit():
        return None
    return int(text[7:])


@dataclass
class QueryJob:
    """One Bulk API 2.0 query job and its snapshot of rows."""

    id: str
    operation: str
    sobject: str
    created: int
    fields: list[str]
    rows: list[Body]
    types: dict[str, str]
    polls_left: int
    error_message: str | None = None
    state: str = "UploadComplete"
    polls: int = field(default=0)

    def info(self, created_by: str) -> dict[str, Any]:
        """``GET /jobs/query/{id}``."""
        stamp = datetime.fromtimestamp(self.created, UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        out: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.sobject,
            "createdById": created_by,
            "createdDate": stamp,
            "systemModstamp": stamp,
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(API_VERSION),
            "jobType": "V2Query",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
        }
        if self.state in ("JobComplete", "Failed"):
            out["numberRecordsProcessed"] = len(self.rows) if self.state == "JobComplete" else 0
            out["retries"] = 0
            out["totalProcessingTime"] = 120
        if self.error_message:
            out["errorMessage"] = self.error_message
        return out

    def poll(self) -> None:
        """One status request: the job makes progress."""
        self.polls += 1
        if self.state in ("JobComplete", "Failed", "Aborted"):
            return
        if self.polls_left > 0:
            self.polls_left -= 1
            self.state = "InProgress"
            return
        self.state = "Failed" if self.error_message else "JobComplete"


class BulkJobs:
    """The org's query jobs."""

    def __init__(self) -> None:
        self.jobs: dict[str, QueryJob] = {}
        self._lock = threading.Lock()

    def create(self, **kwargs: Any) -> QueryJob:
        """Register a job (``750…`` id)."""
        job = QueryJob(id="750Dn" + secrets.token_hex(7).upper()[:13], **kwargs)
        with self._lock:
            self.jobs[job.id] = job
        return job

    def get(self, job_id: str) -> QueryJob | None:
        """A job by id."""
        return self.jobs.get(job_id)

    def delete(self, job_id: str) -> bool:
        """Forget a job."""
        with self._lock:
            return self.jobs.pop(job_id, None) is not None
