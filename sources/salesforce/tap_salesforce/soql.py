"""SOQL the tap sends: field lists, the (SystemModstamp, Id) cursor condition, order and limit."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from .describe import normalize_datetime

MODSTAMP = "SystemModstamp"
ORDER = f"ORDER BY {MODSTAMP}, Id"


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in (SystemModstamp, Id) order: the last record read, or a lower bound."""

    modstamp: str
    record_id: str = ""

    @classmethod
    def of(cls, record: dict[str, object]) -> Cursor:
        """The position of a record."""
        return cls(normalize_datetime(str(record[MODSTAMP])), str(record["Id"]))


def literal(value: str) -> str:
    """A SOQL string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def datetime_literal(value: str) -> str:
    """A SOQL dateTime literal in UTC (``2024-03-01T10:00:00Z``) from a Salesforce datetime string."""
    text = normalize_datetime(value)
    moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(dt.UTC)
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = moment.microsecond // 1000
    return f"{stamp}.{millis:03d}Z" if millis else f"{stamp}Z"


def sf_datetime(moment: dt.datetime) -> str:
    """A Salesforce datetime string for an aware datetime."""
    moment = moment.astimezone(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def at_or_after(modstamp: str) -> str:
    """``SystemModstamp >= t``."""
    return f"{MODSTAMP} >= {datetime_literal(modstamp)}"


def before(modstamp: str) -> str:
    """``SystemModstamp < t``."""
    return f"{MODSTAMP} < {datetime_literal(modstamp)}"


def both(first: str | None, second: str | None) -> str | None:
    """``(first) AND (second)``, or whichever is set."""
    if first and second:
        return f"({first}) AND ({second})"
    return first or second


def after(cursor: Cursor) -> str:
    """Strictly after ``cursor`` in (SystemModstamp, Id) order: ties on the second are never lost."""
    if not cursor.record_id:
        return at_or_after(cursor.modstamp)
    stamp = datetime_literal(cursor.modstamp)
    return f"({MODSTAMP} > {stamp} OR ({MODSTAMP} = {stamp} AND Id > {literal(cursor.record_id)}))"


def select(
    fields: Iterable[str],
    sobject: str,
    where: str | None = None,
    *,
    ordered: bool = True,
    limit: int | None = None,
) -> str:
    """``SELECT … FROM … [WHERE …] [ORDER BY SystemModstamp, Id] [LIMIT n]``."""
    text = f"SELECT {', '.join(fields)} FROM {sobject}"
    if where:
        text += f" WHERE {where}"
    if ordered:
        text += f" {ORDER}"
    if limit is not None:
        text += f" LIMIT {int(limit)}"
    return text


def count(sobject: str, where: str | None = None) -> str:
    """``SELECT COUNT() FROM … [WHERE …]``."""
    return f"SELECT COUNT() FROM {sobject}" + (f" WHERE {where}" if where else "")


def newest(sobject: str, where: str | None = None) -> str:
    """``SELECT SystemModstamp FROM … [WHERE …] ORDER BY SystemModstamp DESC LIMIT 1``."""
    return (
        f"SELECT {MODSTAMP} FROM {sobject}"
        + (f" WHERE {where}" if where else "")
        + f" ORDER BY {MODSTAMP} DESC LIMIT 1"
    )
