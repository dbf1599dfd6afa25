"""Machinery shared by every AcmeCloud source tap.

Template-owned: ``copier update`` keeps this module current, so put source specifics in
``client.py``, ``streams.py`` and ``tap.py`` instead of editing it.

* ``SourceTap``: checks the credentials with one request before any STATE message is written,
  ignores incoming state in ``full_reload`` mode, tags logs with source/stream/run.
* ``SourceStream``: client-side request-rate cap, bounded retries that honour ``Retry-After``
  (429, 5xx, connection errors, timeouts, truncated or invalid JSON bodies), fail-fast
  credential errors, ``full_reload`` as FULL_TABLE with ACTIVATE_VERSION messages.
  A stream whose full read covers only part of it (``snapshot_scope``) says so on its
  ACTIVATE_VERSION messages, so the loader records the snapshot's scope and silver infers deletes
  only inside it; its child streams then take no snapshot.
  Each response body is parsed once. A child stream (one sync per parent record) logs its
  start and its ``record_count``/``sync_duration`` metrics once per run, not once per parent.
"""

from __future__ import annotations

import dataclasses
import decimal
import email.utils
import logging
import math
import os
import random
import threading
import time
import typing as t
from collections.abc import Generator, Mapping
from http import HTTPStatus

import requests
from singer_sdk import Tap, metrics
from singer_sdk import singerlib as singer
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.helpers.jsonpath import extract_jsonpath
from singer_sdk.mapper import RemoveRecordTransform
from singer_sdk.streams import RESTStream

from .logs import attach, install_log_context
from .throttle import Throttle

if t.TYPE_CHECKING:
    from types import TracebackType

    from backoff.types import Details
    from singer_sdk.helpers.types import Context

FULL_TABLE = "FULL_TABLE"
#: Attribute of a ``requests.Response`` that holds its parsed body (see :func:`response_body`).
_PARSED_BODY = "_acme_parsed_body"


class CredentialsRejectedError(FatalAPIError):
    """The API rejected the configured credentials (HTTP 401 or 403)."""


class ResourceNotFoundError(FatalAPIError):
    """The API answered 404 for a single resource."""


def env_var(plugin_name: str, setting: str) -> str:
    """Environment variable that sets ``setting`` (singer-sdk and Meltano use the same)."""
    prefix = plugin_name.upper().replace("-", "_")
    return f"{prefix}_{setting.upper()}"


def retry_after_seconds(response: requests.Response | None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta seconds or HTTP date)."""
    if response is None:
        return None
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)


def response_body(response: requests.Response) -> t.Any:
    """The JSON body of ``response``, parsed once however often it is asked for.

    Numbers with a fraction or exponent are ``Decimal``, as singer-sdk's ``parse_response``
    reads records. Raises ``ValueError`` for a body that is not JSON.
    """
    try:
        return response.__dict__[_PARSED_BODY]
    except KeyError:
        body = response.json(parse_float=decimal.Decimal)
        response.__dict__[_PARSED_BODY] = body
        return body


@dataclasses.dataclass(slots=True)
class ScopedActivateVersionMessage(singer.ActivateVersionMessage):
    """ACTIVATE_VERSION of a snapshot that covers part of a stream (target-bronze reads ``scope``).

    ``scope``: ``{"property": <record property>, "ranges": [[from, to], ...]}``, ``from`` inclusive,
    ``to`` exclusive or null (open). A whole-stream snapshot sends the plain Singer message.
    """

    scope: dict[str, t.Any] | None = None


class _RememberingSelectionMask(singer.SelectionMask):
    """singer-sdk's selection mask, keeping what it derives for nested properties.

    The plain mask walks up the breadcrumb on every lookup of a property that has no metadata
    of its own (every nested property), once per property of every record.
    """

    def __missing__(self, breadcrumb: tuple[str, ...]) -> bool:
        selected = super().__missing__(breadcrumb)
        self[breadcrumb] = selected
        return selected


class _ChildTotals:
    """A child stream's per-parent syncs of one run, summed for one metric line each."""

    def __init__(self) -> None:
        self.records = 0
        self.seconds = 0.0
        self.partitions = 0


class _PartitionRecordCounter(metrics.Counter):
    """Per-parent record counter: adds to the run's total instead of logging on exit.

    A parent whose children take longer than the log interval still gets progress lines.
    """

    def __init__(self, totals: _ChildTotals, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.totals = totals

    def _pop(self) -> None:
        self.totals.records += self.value
        super()._pop()

    def exit(self) -> None:
        self.totals.records += self.value
        self.value = 0


class _PartitionSyncTimer(metrics.Timer):
    """Per-parent sync timer: adds to the run's total; a failed sync is logged at once."""

    def __init__(self, totals: _ChildTotals, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.totals = totals

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            super().__exit__(exc_type, exc_val, exc_tb)
            return
        self.totals.seconds += self.elapsed()
        self.totals.partitions += 1


class SourceTap(Tap):
    """Base tap: preflight credential check, full-reload mode, log context, rate cap."""

    #: Source id, e.g. ``stripe``; names bronze tables and log records.
    source_name: t.ClassVar[str] = ""
    #: Setting that holds the credential (named in credential errors).
    credential_setting: t.ClassVar[str] = "api_key"

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the tap; see :class:`singer_sdk.Tap`."""
        self.log_context = install_log_context(self.logger, self.source_name or self.name)
        super().__init__(*args, **kwargs)
        self.throttle = Throttle(float(self.config.get("max_requests_per_second") or 0))

    @property
    def full_reload(self) -> bool:
        """Whether this run re-reads everything (setting ``full_reload``)."""
        return bool(self.config.get("full_reload"))

    def load_state(self, state: dict[str, t.Any]) -> None:
        """Load incoming state, except in ``full_reload`` mode where it is ignored."""
        if self.config.get("full_reload"):
            if state.get("bookmarks"):
                self.logger.info("full_reload: ignoring the incoming state")
            return
        super().load_state(state)

    def credentials_message(self, status: int) -> str:
        """Error text for a rejected credential, naming the source and the setting."""
        return (
            f"{self.source_name}: the API rejected the credentials (HTTP {status}); "
            f"check setting `{self.credential_setting}` "
            f"(env {env_var(self.name, self.credential_setting)})"
        )

    def preflight_stream(self) -> SourceStream:
        """The stream whose endpoint is used for the credential check."""
        for stream in self.streams.values():
            if isinstance(stream, SourceStream) and stream.parent_stream_type is None:
                return stream
        msg = f"{self.source_name}: no REST stream to check the credentials with"
        raise RuntimeError(msg)

    def check_credentials(self) -> None:
        """Make one authenticated request; raises before anything is written."""
        self.preflight_stream().preflight()

    # `Tap.sync_all` is marked final, but it writes the incoming state first; the credential
    # check has to run before that, so this is the one place to put it.
    def sync_all(self) -> None:  # type: ignore[misc]
        """Check the credentials, then sync every selected stream."""
        self.check_credentials()
        super().sync_all()


class SourceStream(RESTStream[t.Any]):
    """Base REST stream with rate cap, bounded retries and full-reload support."""

    #: Property names that hold personal data (declared next to each stream).
    pii_properties: t.ClassVar[tuple[str, ...]] = ()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        """Create the stream; see :class:`singer_sdk.RESTStream`."""
        self._local = threading.local()
        self._schema_written = False
        self._announced_version: int | None = None
        self._child_totals = _ChildTotals()
        self._child_syncs_begun = 0
        super().__init__(*args, **kwargs)
        attach(self.logger, self.source_tap.log_context)

    # -- settings ---------------------------------------------------------------------------

    @property
    def source_tap(self) -> SourceTap:
        """The tap this stream belongs to."""
        return t.cast("SourceTap", self._tap)

    @property
    def full_reload(self) -> bool:
        """Whether this run re-reads everything and ignores state."""
        return bool(self.config.get("full_reload"))

    @property
    def replication_method(self) -> str:
        """FULL_TABLE in ``full_reload`` mode, else the stream's own method."""
        if self.full_reload:
            return FULL_TABLE
        return super().replication_method

    @property
    def emit_activate_version_messages(self) -> bool:
        """ACTIVATE_VERSION tells the loader a full snapshot of the stream was taken.

        A child of a stream whose snapshot is scoped takes none: its rows are not all of it.
        """
        if self.parent_stream_type is not None:
            parent = self._tap.streams[self.parent_stream_type.name]
            if not isinstance(parent, SourceStream) or not parent.emit_activate_version_messages:
                return False
            if parent.snapshot_scope() is not None:
                return False
        return self.full_reload or bool(self.config.get("emit_activate_version_messages"))

    def snapshot_scope(self) -> dict[str, t.Any] | None:
        """What this run's full read covers, when not the whole stream (see
        :class:`ScopedActivateVersionMessage`); None: the whole stream. Sources override it."""
        return None

    @property
    def timeout(self) -> int:
        """Per-request timeout in seconds (setting ``request_timeout_seconds``)."""
        return max(1, math.ceil(float(self.config.get("request_timeout_seconds") or 60)))

    @property
    def requests_session(self) -> requests.Session:
        """One HTTP session per thread (re-fetches may run concurrently)."""
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            self._local.session = session
        return session

    # -- retries ----------------------------------------------------------------------------

    def backoff_max_tries(self) -> int:
        """Attempts per request: 1 + setting ``max_retries``."""
        return 1 + int(self.config.get("max_retries", 6))

    def backoff_wait_generator(self) -> Generator[float, t.Any, None]:
        """Exponential waits from ``retry_backoff_seconds``, or what ``Retry-After`` asks.

        Every wait is capped at ``retry_max_wait_seconds``.
        """
        base = float(self.config.get("retry_backoff_seconds", 1.0))
        cap = float(self.config.get("retry_max_wait_seconds", 60.0))
        attempt = 0
        exc = yield 0.0  # primed by backoff with send(None)
        while True:
            wait = base * (2**attempt)
            if isinstance(exc, RetriableAPIError):
                asked = retry_after_seconds(exc.response)
                if asked is not None:
                    wait = asked
            attempt += 1
            exc = yield min(wait, cap)

    def backoff_jitter(self, value: float) -> float:
        """Add up to 10 % so parallel clients spread out; never wait less than asked."""
        return value + random.uniform(0, value * 0.1)

    def backoff_handler(self, details: Details) -> None:
        """Log each retry with the reason."""
        exc = details.get("exception")
        response = getattr(exc, "response", None)
        reason = f"HTTP {response.status_code}" if response is not None else type(exc).__name__
        self.logger.warning(
            "retrying %s after %s (attempt %d, waiting %.2fs)",
            self.path,
            reason,
            details.get("tries", 0),
            details.get("wait", 0.0),
        )

    # -- requests ---------------------------------------------------------------------------

    def _request(
        self,
        prepared_request: requests.PreparedRequest,
        context: Context | None,
    ) -> requests.Response:
        """Send one request through the tap-wide rate cap."""
        self.source_tap.throttle.acquire()
        return super()._request(prepared_request, context)

    def validate_response(self, response: requests.Response) -> None:
        """Classify a response: retry, fail fast, or accept a complete JSON body."""
        status = response.status_code
        source = self.source_tap.source_name
        if status in {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN}:
            raise CredentialsRejectedError(self.source_tap.credentials_message(status))
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            raise RetriableAPIError(f"{source}: {self.response_error_message(response)}", response)
        if status == HTTPStatus.NOT_FOUND:
            raise ResourceNotFoundError(f"{source}: not found: {response.request.path_url}")
        if status >= HTTPStatus.BAD_REQUEST:
            raise FatalAPIError(f"{source}: {self.response_error_message(response)}")
        try:
            response_body(response)
        except ValueError as exc:
            msg = f"{source}: truncated or invalid JSON body from {self.path} ({exc})"
            raise RetriableAPIError(msg, response) from exc

    def parse_response(self, response: requests.Response) -> t.Iterable[dict[str, t.Any]]:
        """Records at ``records_jsonpath`` of the (already parsed) body, as singer-sdk reads them.

        Each record is a shallow copy, so the SDK's in-place edits of a record never reach the
        body a paginator reads next.
        """
        for record in extract_jsonpath(self.records_jsonpath, input=response_body(response)):
            yield dict(record) if isinstance(record, dict) else record

    def response_error_message(self, response: requests.Response) -> str:
        """Status and path only: bodies and query strings may carry personal data."""
        path = response.request.path_url.split("?", 1)[0] if response.request else self.path
        return f"HTTP {response.status_code} {response.reason} for {path}"

    def fetch_json(self, url: str, params: Mapping[str, t.Any] | None = None) -> dict[str, t.Any]:
        """GET one JSON document with the stream's auth, rate cap and retries."""
        prepared = self.build_prepared_request(
            method="GET",
            url=url,
            params=dict(params or {}),
            headers=self.http_headers,
        )
        send = self.request_decorator(self._request)
        response = send(prepared, None)
        body = response.json()
        if not isinstance(body, dict):
            msg = f"{self.source_tap.source_name}: expected a JSON object from {url}"
            raise FatalAPIError(msg)
        return body

    def preflight(self) -> dict[str, t.Any]:
        """One cheap authenticated request (the first page of this stream, one record)."""
        return self.fetch_json(self.get_url(None), {"limit": 1})

    # -- record selection -------------------------------------------------------------------

    @property
    def mask(self) -> singer.SelectionMask:
        """singer-sdk's selection mask, remembering derived entries (same answers, less work)."""
        if not isinstance(self._mask, _RememberingSelectionMask):
            self._mask = _RememberingSelectionMask(
                self._mask if self._mask is not None else self.metadata.resolve_selection()
            )
        return self._mask

    # -- child streams: one SCHEMA / ACTIVATE_VERSION per run, not one per parent record ----
    # -- and one start line and one metric line each, not one per parent record ------------

    def log(self, message: str, *args: t.Any, level: int = logging.INFO, **kwargs: t.Any) -> None:
        """singer-sdk's stream log; a child stream's "Beginning sync" is INFO only the first time.

        singer-sdk syncs a child stream once per parent record and announces every one; the
        later announcements go to DEBUG (the totals are logged once, see ``log_child_totals``).
        """
        if self.parent_stream_type is not None and message.startswith("Beginning sync"):
            self._child_syncs_begun += 1
            if self._child_syncs_begun > 1 and level == logging.INFO:
                level = logging.DEBUG
        super().log(message, *args, level=level, **kwargs)

    def get_record_counter(
        self,
        *,
        endpoint: str | None = None,
        log_interval: float = metrics.DEFAULT_LOG_INTERVAL,
    ) -> metrics.Counter:
        """A child stream counts into its run total (logged by ``log_child_totals``)."""
        if self.parent_stream_type is None:
            return super().get_record_counter(endpoint=endpoint, log_interval=log_interval)
        tags: dict[str, t.Any] = {metrics.Tag.STREAM: self.name}
        if endpoint:
            tags[metrics.Tag.ENDPOINT] = endpoint
        return _PartitionRecordCounter(self._child_totals, metrics.Metric.RECORD_COUNT, tags, log_interval=log_interval)

    def get_sync_timer(self) -> metrics.Timer:
        """A child stream times into its run total (logged by ``log_child_totals``)."""
        if self.parent_stream_type is None:
            return super().get_sync_timer()
        return _PartitionSyncTimer(self._child_totals, metrics.Metric.SYNC_DURATION, {metrics.Tag.STREAM: self.name})

    def log_child_totals(self) -> None:
        """One ``record_count`` and one ``sync_duration`` point per descendant stream."""
        for child in self.child_streams:
            if not isinstance(child, SourceStream):
                continue
            totals = child._child_totals
            if totals.partitions:
                tags = {metrics.Tag.STREAM: child.name, metrics.Tag.PID: os.getpid(), "partitions": totals.partitions}
                count = metrics.Point("counter", metrics.Metric.RECORD_COUNT, totals.records, tags)
                metrics.log(child.metrics_logger, count)
                tags = {**tags, metrics.Tag.STATUS: metrics.Status.SUCCEEDED}
                duration = metrics.Point("timer", metrics.Metric.SYNC_DURATION, totals.seconds, tags)
                metrics.log(child.metrics_logger, duration)
            child._child_totals = _ChildTotals()
            child.log_child_totals()

    def _write_schema_message(self) -> None:
        """singer-sdk re-syncs a child stream per parent record; announce its schema once."""
        if self.parent_stream_type is not None and self._schema_written:
            return
        super()._write_schema_message()
        self._schema_written = True

    def _write_activate_version_message(self, full_table_version: int) -> None:
        """Announce each table version once (children would repeat it per parent record)."""
        if self._announced_version == full_table_version:
            return
        for stream_map in self.stream_maps:
            if not isinstance(stream_map, RemoveRecordTransform):
                self._tap.write_message(self.activate_version_message(full_table_version, stream_map.stream_alias))
        self._announced_version = full_table_version

    def activate_version_message(self, version: int, stream: str | None = None) -> singer.ActivateVersionMessage:
        """The ACTIVATE_VERSION message of this stream's snapshot (with its scope, if any)."""
        scope = self.snapshot_scope()
        name = stream or self.name
        if scope is None:
            return singer.ActivateVersionMessage(stream=name, version=version)
        return ScopedActivateVersionMessage(stream=name, version=version, scope=scope)

    # -- full reload ------------------------------------------------------------------------

    def finalize_state_progress_markers(self, state: dict | None = None) -> None:
        """After a top-level stream's sync: its child streams' metric totals, and after a
        full-reload sync a closing ACTIVATE_VERSION confirming each snapshot."""
        super().finalize_state_progress_markers(state)
        if state or self.parent_stream_type is not None:
            return
        self.log_child_totals()
        if not self.full_reload:
            return
        version = self._tap.initialized_at // 1000
        for stream in self._snapshot_streams():
            # Closing message: the snapshot of `version` is complete (the opening one went out
            # when the stream started, before its first record).
            self._tap.write_message(stream.activate_version_message(version))
            stream.logger.info("full snapshot complete (version %d)", version)

    def _snapshot_streams(self) -> list[SourceStream]:
        """This stream and its selected descendants that took a snapshot."""
        found: list[SourceStream] = [self] if self.selected and self.emit_activate_version_messages else []
        for child in self.child_streams:
            if isinstance(child, SourceStream):
                found.extend(child._snapshot_streams())
        return found
