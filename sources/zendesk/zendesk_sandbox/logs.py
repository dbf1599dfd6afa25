"""Logging helpers: a key=value formatter that shows the ``extra`` fields of a record."""

from __future__ import annotations

import logging

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class KeyValueFormatter(logging.Formatter):
    """``2025-06-01 00:00:00 INFO zendesk_sandbox.store sandbox clock moved source=zendesk clock=…``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        """The standard line plus every extra field as ``key=value``."""
        line = super().format(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        if not extras:
            return line
        return line + " " + " ".join(f"{k}={v}" for k, v in extras.items())


def configure_default_logging(level: int = logging.INFO) -> None:
    """Log ``zendesk_sandbox.*`` to stderr unless the host application configured logging."""
    if logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(KeyValueFormatter())
    package = logging.getLogger("zendesk_sandbox")
    if not package.handlers:
        package.addHandler(handler)
        package.setLevel(level)
