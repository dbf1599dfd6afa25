"""Structured logs: every line says which run, source and stream it belongs to."""

from __future__ import annotations

import logging
import sys

import structlog

_JSON = {"on": True}


def configure(json_logs: bool | None = None, level: int = logging.INFO) -> None:
    """JSON lines when not on a terminal (containers, CI), readable key=value on a terminal."""
    if json_logs is None:
        json_logs = not sys.stderr.isatty()
    _JSON["on"] = json_logs
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=False,
    )


def get(name: str = "acme") -> structlog.typing.FilteringBoundLogger:
    """A logger bound to the component name; bind run_id/source/stream with structlog.contextvars."""
    return structlog.get_logger(name)


def is_json() -> bool:
    """Whether logs are JSON lines (child processes are started with the same format)."""
    return _JSON["on"]
