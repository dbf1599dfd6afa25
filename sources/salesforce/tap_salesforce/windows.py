"""A large REST read in concurrent ``SystemModstamp`` windows.

A ``queryAll`` result is one cursor (``nextRecordsUrl`` pages one after another), so one query is
one request at a time. When a REST read turns out to hold more than one slice, the rest of it (after
the last record of the first slice, up to the newest ``SystemModstamp`` that matches) is cut into
``max_concurrent_requests`` windows of equal time, each read by its own thread as ordered slices.
The last window is open at the top, so records modified while the run reads are not lost.

Objects from the windows interleave, so the stream's bookmark moves only at the end of the read (as
on Bulk): a run that fails leaves it where it was. At most ``buffer`` records wait in memory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from .soql import Cursor, after, at_or_after, before, sf_datetime

_DONE = object()


def window_conditions(
    start: Cursor, newest: str, windows: int, parse: Callable[[str], dt.datetime]
) -> list[tuple[str, str | None]]:
    """(lower, top) WHERE conditions of up to ``windows`` consecutive windows strictly after ``start``.

    Boundaries are whole seconds of equal spacing between ``start`` and ``newest``; the first
    window starts after ``start`` (ties on its second continue by Id), the last has no top.
    """
    low, high = parse(start.modstamp), parse(newest)
    span = (high - low).total_seconds()
    cuts: list[dt.datetime] = []
    for n in range(1, max(1, windows)):
        cut = (low + dt.timedelta(seconds=span * n / windows)).replace(microsecond=0)
        if cut > low and (not cuts or cut > cuts[-1]) and cut <= high:
            cuts.append(cut)
    conditions: list[tuple[str, str | None]] = []
    lower = after(start)
    for cut in cuts:
        bound = sf_datetime(cut)
        conditions.append((lower, before(bound)))
        lower = at_or_after(bound)
    conditions.append((lower, None))
    return conditions


def interleave(readers: list[Callable[[], Iterator[Any]]], *, buffer: int = 2_000) -> Iterator[Any]:
    """Items of every reader, each reader in its own thread; the first error is raised here."""
    items: queue.Queue[Any] = queue.Queue(maxsize=max(1, buffer))
    stop = threading.Event()

    def work(read: Callable[[], Iterator[Any]]) -> None:
        try:
            for item in read():
                if stop.is_set():
                    return
                items.put(item)
        except BaseException as exc:  # handed to the consumer
            stop.set()
            items.put(exc)
        finally:
            items.put(_DONE)

    threads = [
        threading.Thread(target=work, args=(r,), name=f"salesforce-window-{n}", daemon=True)
        for n, r in enumerate(readers)
    ]
    for thread in threads:
        thread.start()
    running = len(threads)
    try:
        while running:
            item = items.get()
            if item is _DONE:
                running -= 1
            elif isinstance(item, BaseException):
                raise item
            else:
                yield item
    finally:
        stop.set()
        while any(thread.is_alive() for thread in threads):  # unblock readers waiting on a full queue
            with contextlib.suppress(queue.Empty):
                items.get_nowait()
            for thread in threads:
                thread.join(timeout=0.01)
