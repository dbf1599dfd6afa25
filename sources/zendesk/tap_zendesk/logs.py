"""Structured log context: log records of a tap run carry ``source``, ``stream`` and ``run_id``.

A filter adds the fields as record attributes (never overwriting ones a caller passed with
``extra=``), so singer-sdk's JSON ``StructuredFormatter`` (``SINGER_SDK_LOG_CONFIG``) emits them
under ``extra``, and the tap CLI's console lines show ``source=… stream=… run=…``.
"""

from __future__ import annotations

import logging
import os

RUN_ID_ENV = "ACME_RUN_ID"
CONSOLE_FORMAT = (
    "{asctime:23s} | {levelname:8s} | {name:30s} | source={source} stream={stream} run={run_id} | {message}"
)


def run_id() -> str | None:
    """The pipeline run id from env ``ACME_RUN_ID`` (set by the orchestrator), if any."""
    return os.environ.get(RUN_ID_ENV) or None


class LogContextFilter(logging.Filter):
    """Adds ``source``, ``stream`` (from the logger name) and ``run_id`` to every record."""

    def __init__(self, source: str, tap_logger: str, run: str | None) -> None:
        """Tag records with ``source``/``run``; streams are children of logger ``tap_logger``."""
        super().__init__()
        self.source = source
        self.prefix = f"{tap_logger}."
        self.run = run

    def filter(self, record: logging.LogRecord) -> bool:
        """Add the fields that are not set yet; never drops a record."""
        stream = None
        if record.name.startswith(self.prefix):
            stream = record.name[len(self.prefix) :].split(".", 1)[0]
        record.__dict__.setdefault("source", self.source)
        record.__dict__.setdefault("stream", stream)
        record.__dict__.setdefault("run_id", self.run)
        return True


class ContextConsoleFormatter(logging.Formatter):
    """singer-sdk's console line plus ``source=… stream=… run=…``."""

    def __init__(self) -> None:
        """Use :data:`CONSOLE_FORMAT`."""
        super().__init__(CONSOLE_FORMAT, style="{")

    def format(self, record: logging.LogRecord) -> str:
        """Format, with ``-`` for context fields a record lacks."""
        fields = {name: getattr(record, name, None) or "-" for name in ("source", "stream", "run_id")}
        return super().format(logging.makeLogRecord({**record.__dict__, **fields}))


def attach(filterer: logging.Filterer, context: LogContextFilter) -> None:
    """Attach ``context`` to a logger or handler, replacing one of an earlier tap run."""
    for old in [f for f in filterer.filters if isinstance(f, LogContextFilter)]:
        filterer.removeFilter(old)
    filterer.addFilter(context)


def install_log_context(logger: logging.Logger, source: str) -> LogContextFilter:
    """Tag the tap's records (and everything the root handlers print) with source/stream/run."""
    context = LogContextFilter(source, logger.name, run_id())
    attach(logger, context)
    for handler in logging.getLogger().handlers:
        attach(handler, context)
        if type(handler.formatter).__name__ == "ConsoleFormatter":
            handler.setFormatter(ContextConsoleFormatter())
    return context
