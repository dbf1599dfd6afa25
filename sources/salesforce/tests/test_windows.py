"""REST reads larger than one slice go on in concurrent SystemModstamp windows (tap_salesforce/windows.py)."""

from __future__ import annotations

import datetime as dt
import logging
import typing as t

import pytest
from tap_salesforce.soql import Cursor
from tap_salesforce.windows import interleave, window_conditions

Run = t.Callable[..., t.Any]
STREAMS = ("accounts", "contacts", "opportunities", "users")


def _parse(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_windows_cover_the_range_once_and_the_last_is_open() -> None:
    start = Cursor("2025-01-01T00:00:00.000+0000", "001A")
    windows = window_conditions(start, "2025-01-01T00:00:10.000+0000", 4, _parse)
    assert [top for _, top in windows] == [
        "SystemModstamp < 2025-01-01T00:00:02Z",
        "SystemModstamp < 2025-01-01T00:00:05Z",
        "SystemModstamp < 2025-01-01T00:00:07Z",
        None,
    ]
    assert windows[0][0] == (
        "(SystemModstamp > 2025-01-01T00:00:00Z OR (SystemModstamp = 2025-01-01T00:00:00Z AND Id > '001A'))"
    )
    assert [lower for lower, _ in windows[1:]] == [
        "SystemModstamp >= 2025-01-01T00:00:02Z",
        "SystemModstamp >= 2025-01-01T00:00:05Z",
        "SystemModstamp >= 2025-01-01T00:00:07Z",
    ]
    # less than a second to split: one window after the cursor, open at the top
    assert window_conditions(start, "2025-01-01T00:00:00.500+0000", 4, _parse) == [(windows[0][0], None)]


def test_interleave_yields_everything_and_raises_the_first_error() -> None:
    readers = [lambda n=n: iter(range(n * 100, n * 100 + 50)) for n in range(4)]
    assert sorted(interleave(readers, buffer=3)) == sorted(x for n in range(4) for x in range(n * 100, n * 100 + 50))

    def broken() -> t.Iterator[int]:
        yield 1
        raise RuntimeError("salesforce: window failed")

    with pytest.raises(RuntimeError, match="window failed"):
        list(interleave([broken, lambda: iter(range(10_000))], buffer=2))


def test_a_read_in_concurrent_windows_equals_one_slice_after_another(
    sandbox_url: str, tap_runner: Run, tap_config: Run, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        windowed = tap_runner(tap_config(sandbox_url, page_size=7, max_concurrent_requests=4))
    serial = tap_runner(tap_config(sandbox_url, page_size=7, max_concurrent_requests=1))
    assert "concurrent windows" in caplog.text
    for stream in STREAMS:
        ids = [r["Id"] for r in windowed.records(stream)]
        assert len(ids) == len(set(ids)), f"{stream}: a record read twice"
        assert windowed.by_id(stream) == serial.by_id(stream), stream
        assert len(ids) == len(serial.records(stream)), stream
        # the bookmark is the greatest (SystemModstamp, Id) read, as on a serial read
        assert windowed.final_state["bookmarks"][stream] == serial.final_state["bookmarks"][stream], stream
