"""A local Meltano state backend that a SIGKILL cannot break.

Meltano's ``file://`` backend writes ``state.json`` and its ``lock`` file in place: the file is
truncated, then written. A run killed between the two leaves an empty file, and from then on every
run of that job fails ("Failed to retrieve state": the JSON is empty) or never saves state again (an
empty lock is not a timestamp, so Meltano's lock check raises and the write is dropped). On S3, the
production backend, an object appears whole or not at all, so only the local backend needs this.

``atomic-file:///<path>`` is the same layout as ``file:///<path>`` (``<state_id>/state.json``), with
every write made to a temporary file in the same folder and moved over the old one with
``os.replace``: a reader sees the previous or the new content, never a part. A lock file that is not
a timestamp (left by a writer killed before this backend was used) is taken as stale.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Generator
from typing import TextIO

from meltano.core.state_store.filesystem import LocalFilesystemStateStoreManager


class AtomicFilesystemStateStoreManager(LocalFilesystemStateStoreManager):  # type: ignore[misc,valid-type]
    """``file://`` state whose writes are atomic replaces."""

    @property
    def label(self) -> str:
        return "Local Filesystem (atomic writes)"

    @contextlib.contextmanager
    def get_writer(self, path: str) -> Generator[TextIO]:
        """Write ``path`` through a temporary sibling that replaces it only once complete."""
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as writer:
                yield writer
                writer.flush()
                os.fsync(writer.fileno())
            os.replace(temporary, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.remove(temporary)

    def is_locked(self, state_id: str) -> bool:
        try:
            return bool(super().is_locked(state_id))
        except ValueError:
            # not a timestamp: what a writer killed mid-write left behind, so nobody holds it
            self.delete_file(self.get_lock_path(state_id))
            return False
