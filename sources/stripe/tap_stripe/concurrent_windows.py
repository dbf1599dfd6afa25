"""Concurrent reads of one listing in windows that split while they are read.

Template-owned: ``copier update`` keeps this module current.

APIs that page with a cursor (one request after another) can still be read concurrently when the
listing can be cut into independent windows of a time field (Stripe's ``created``, Salesforce's
``SystemModstamp``). :class:`WindowedRead` is the thread machinery: up to ``workers`` threads take
windows from a stack, read them, and a reader that sees idle threads hands part of its window over
(:meth:`hand_over`). Items go through a bounded queue, so memory holds at most ``buffer`` items plus
what each thread is reading; the first error in any window is raised to the consumer. A source
subclasses it with :meth:`read_window` (how to page through one window, and when to split it).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import Any, Generic, TypeVar

W = TypeVar("W")
_DONE = object()


class WindowedRead(Generic[W]):
    """Every item of ``windows``, read by up to ``workers`` threads; subclasses read one window."""

    def __init__(self, windows: list[W], *, workers: int, buffer: int = 1_000, name: str = "window") -> None:
        """Read ``windows``; the first is taken first."""
        self._pending = list(reversed(windows))
        self._workers = max(1, workers)
        self._items: queue.Queue[Any] = queue.Queue(maxsize=max(buffer, 1))
        self._cond = threading.Condition()
        self._active = 0
        self._stop = threading.Event()
        self._name = name
        self._threads: list[threading.Thread] | None = None
        #: Windows read (the given ones and every split), for the run's log line.
        self.windows = len(windows)

    # -- for subclasses ---------------------------------------------------------------------

    def read_window(self, window: W) -> None:
        """Read one window: :meth:`emit` its items; :meth:`hand_over` parts to idle threads."""
        raise NotImplementedError

    def emit(self, item: Any) -> None:
        """Hand one item to the consumer (blocks while the buffer is full)."""
        self._items.put(item)

    @property
    def stopped(self) -> bool:
        """Whether the read was stopped (an error elsewhere, or the consumer went away)."""
        return self._stop.is_set()

    def idle_threads(self) -> int:
        """Threads that have nothing to read and no window waiting for them."""
        with self._cond:
            return max(0, self._workers - self._active - len(self._pending))

    def hand_over(self, windows: list[W]) -> None:
        """Queue ``windows`` for idle threads (the first of them is taken first)."""
        with self._cond:
            self._pending.extend(reversed(windows))
            self.windows += len(windows)
            self._cond.notify_all()

    # -- running ----------------------------------------------------------------------------

    def start(self) -> WindowedRead[W]:
        """Start reading now (the bounded buffer fills until the items are taken); idempotent."""
        if self._threads is None:
            self._threads = [
                threading.Thread(target=self._work, name=f"{self._name}-{n}", daemon=True) for n in range(self._workers)
            ]
            for thread in self._threads:
                thread.start()
        return self

    def __iter__(self) -> Iterator[Any]:
        """Items in the order they arrive; an error in any window is raised here."""
        threads = self.start()._threads or []
        running = len(threads)
        try:
            while running:
                item = self._items.get()
                if item is _DONE:
                    running -= 1
                elif isinstance(item, BaseException):
                    raise item
                else:
                    yield item
        finally:
            self._stop.set()
            with self._cond:
                self._cond.notify_all()
            while any(thread.is_alive() for thread in threads):  # unblock readers waiting on a full queue
                with contextlib.suppress(queue.Empty):
                    self._items.get_nowait()
                for thread in threads:
                    thread.join(timeout=0.01)

    def _work(self) -> None:
        try:
            while (window := self._next_window()) is not None:
                try:
                    self.read_window(window)
                finally:
                    with self._cond:
                        self._active -= 1
                        self._cond.notify_all()
        except BaseException as exc:  # handed to the consumer, which raises it
            self._stop.set()
            self._items.put(exc)
        finally:
            self._items.put(_DONE)

    def _next_window(self) -> W | None:
        with self._cond:
            while not self._pending and self._active and not self._stop.is_set():
                self._cond.wait()
            if self._stop.is_set() or not self._pending:
                return None
            self._active += 1
            return self._pending.pop()
