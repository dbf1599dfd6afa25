"""Bulk API 2.0 query jobs: create (``queryAll``), poll until ``JobComplete``, read the CSV pages.

A job that ends ``Failed`` or ``Aborted`` fails the run (``QUERY_TIMEOUT`` in its error message
becomes a :class:`QueryTimeoutError`), and so does a job whose pages hold fewer or more rows than
``numberRecordsProcessed``: Salesforce can answer a timed-out job's results with 200 and zero rows,
and those must never pass for "nothing changed".
"""

from __future__ import annotations

import csv
import io
import time
import typing as t
from collections.abc import Iterator

from .errors import BulkJobError, QueryTimeoutError

if t.TYPE_CHECKING:
    from .client import SalesforceStream

NO_MORE = ("", "null")


class BulkQuery:
    """One query run as a Bulk API 2.0 job on behalf of a stream."""

    def __init__(self, stream: SalesforceStream) -> None:
        self.stream = stream
        config = stream.config
        self.poll_interval = float(config.get("bulk_poll_interval_seconds", 2.0))
        self.poll_timeout = float(config.get("bulk_poll_timeout_seconds", 3600.0))
        self.page_records = int(config.get("bulk_page_records", 50_000))

    def rows(self, soql: str) -> Iterator[dict[str, str | None]]:
        """Create the job, wait for it, and yield its rows as ``{field: raw CSV value}``."""
        stream = self.stream
        created = stream.send(
            "POST",
            stream.api_url("/jobs/query"),
            json_body={"operation": "queryAll", "query": soql, "contentType": "CSV", "lineEnding": "LF"},
        ).json()
        job_id = str(created["id"])
        stream.logger.info("bulk query job %s created", job_id)
        info = self._wait(job_id)
        expected = info.get("numberRecordsProcessed")
        received = 0
        for row in self._pages(job_id):
            received += 1
            yield row
        if expected is not None and int(expected) != received:
            raise BulkJobError(
                stream.name,
                f"bulk job {job_id} processed {expected} records but its results held {received}",
            )
        stream.logger.info("bulk query job %s: %d records", job_id, received)

    def _wait(self, job_id: str) -> dict[str, t.Any]:
        stream = self.stream
        deadline = time.monotonic() + self.poll_timeout
        wait = self.poll_interval
        while True:
            info = stream.fetch_json(stream.api_url(f"/jobs/query/{job_id}"))
            state = info.get("state")
            if state == "JobComplete":
                return info
            if state in ("Failed", "Aborted"):
                message = str(info.get("errorMessage") or "no error message")
                error = QueryTimeoutError if "QUERY_TIMEOUT" in message else BulkJobError
                raise error(stream.name, f"bulk query job {job_id} ended {state}: {message}")
            if time.monotonic() > deadline:
                raise BulkJobError(stream.name, f"bulk query job {job_id} still {state} after {self.poll_timeout:.0f}s")
            time.sleep(wait)
            wait = min(wait * 1.5, max(self.poll_interval, 30.0))

    def _pages(self, job_id: str) -> Iterator[dict[str, str | None]]:
        stream = self.stream
        url = stream.api_url(f"/jobs/query/{job_id}/results")
        locator: str | None = None
        while True:
            params: dict[str, t.Any] = {"maxRecords": self.page_records}
            if locator:
                params["locator"] = locator
            response = stream.send("GET", url, params=params, accept="text/csv")
            reader = csv.reader(io.StringIO(response.content.decode("utf-8")))
            header = next(reader, None)
            if header:
                for values in reader:
                    yield {name: (value if value != "" else None) for name, value in zip(header, values, strict=True)}
            locator = response.headers.get("Sforce-Locator")
            if locator is None or locator in NO_MORE:
                return
