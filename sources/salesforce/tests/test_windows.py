"""REST reads larger than one slice go on in concurrent SystemModstamp windows (tap_salesforce/windows.py)."""

from __future__ import annotations

import datetime as dt
import logging
import typing as t

import pytest
from tap_salesforce.soql import Cursor, sf_datetime
from tap_salesforce.windows import SplittingRead, Window, equal_windows

Run = t.Callable[..., t.Any]
STREAMS = ("accounts", "contacts", "opportunities", "users")


def _parse(text: str) -> dt.datetime:
    return dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def test_equal_windows_meet_exactly_and_the_last_is_open() -> None:
    start = Cursor("2025-01-01T00:00:00.000+0000", "001A")
    windows = equal_windows(start, _parse("2025-01-01T00:00:10.000+0000"), 4, _parse)
    assert windows[0].start == start
    assert [w.start.modstamp for w in windows[1:]] == [
        "2025-01-01T00:00:02.000+0000",
        "2025-01-01T00:00:05.000+0000",
        "2025-01-01T00:00:07.000+0000",
    ]
    assert all(not w.start.record_id for w in windows[1:])
    assert [w.top for w in windows[:-1]] == [_parse(w.start.modstamp) for w in windows[1:]]
    assert windows[-1].top is None
    # less than a second to split: one window after the cursor, open at the top
    assert equal_windows(start, _parse("2025-01-01T00:00:00.500+0000"), 4, _parse) == [Window(start, None)]


def _records(stamps: list[int]) -> list[dict[str, t.Any]]:
    base = _parse("2025-01-01T00:00:00.000+0000")
    return [
        {"Id": f"003{n:06d}", "SystemModstamp": sf_datetime(base + dt.timedelta(seconds=s))}
        for n, s in enumerate(sorted(stamps))
    ]


def _slice_of(records: list[dict[str, t.Any]], page: int, calls: list[Window]) -> t.Callable[[Window], list]:
    def read(window: Window) -> list[dict[str, t.Any]]:
        calls.append(window)
        inclusive = not window.start.record_id
        found = [
            r
            for r in records
            if (Cursor.of(r) >= window.start if inclusive else Cursor.of(r) > window.start)
            and (window.top is None or _parse(r["SystemModstamp"]) < window.top)
        ]
        return found[:page]

    return read


def test_a_busy_window_is_split_for_idle_threads_and_nothing_is_read_twice() -> None:
    # most changes in one hour (a bulk import), a few spread over a day; ties on seconds
    stamps = [3600 + n // 3 for n in range(600)] + list(range(0, 86_400, 900))
    records = _records(stamps)
    start = Cursor.of(records[0])
    newest = _parse(records[-1]["SystemModstamp"])
    calls: list[Window] = []
    windows = equal_windows(start, newest, 4, _parse)
    reader = SplittingRead(_slice_of(records, 10, calls), windows, page=10, workers=4, newest=newest, parse=_parse)
    got = [r["Id"] for r in reader]
    assert sorted(got) == [r["Id"] for r in records[1:]]
    assert len(got) == len(set(got))
    assert reader.windows > len(windows), "the window holding the import was split"


def test_an_error_in_a_window_is_raised() -> None:
    records = _records(list(range(100)))

    def broken(window: Window) -> list[dict[str, t.Any]]:
        raise RuntimeError("salesforce: window failed")

    newest = _parse(records[-1]["SystemModstamp"])
    windows = equal_windows(Cursor.of(records[0]), newest, 4, _parse)
    with pytest.raises(RuntimeError, match="window failed"):
        list(SplittingRead(broken, windows, page=10, workers=4, newest=newest, parse=_parse))


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
