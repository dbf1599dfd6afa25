"""The embedded default's Meltano state backend survives a writer killed mid-write.

Each kill test runs a real writer process that SIGKILLs itself halfway through writing state, once
with Meltano's own ``file://`` backend (which is left with a broken file, the failure the crash test
once hit) and once with ``atomic-file://`` (which keeps the previous state whole).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from acme_orchestration import meltano
from acme_orchestration.state_backend import AtomicFilesystemStateStoreManager
from meltano.core.state_store import StateBackend
from meltano.core.state_store.base import MeltanoState, StateStoreManager

STATE_ID = "dev:tap-stripe-to-target-bronze"
BEFORE = {"singer_state": {"bookmarks": {"charges": {"replication_key_value": 1700000000}}}}
AFTER = {"singer_state": {"bookmarks": {"charges": {"replication_key_value": 1800000000}}}}

#: Writes AFTER with the backend of ``uri``, flushes half of it to disk, then dies as a SIGKILL would.
_KILLED_WRITER = textwrap.dedent(
    """
    import json, os, signal, sys
    from meltano.core.state_store import StateBackend
    from meltano.core.state_store.base import MeltanoState, StateStoreManager
    uri, state_id, after = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    manager = StateBackend.get_manager_factory(scheme=uri.split(":", 1)[0])(uri=uri, lock_timeout_seconds=10)
    text = MeltanoState(state_id=state_id, completed_state=after).json()
    with manager.get_writer(manager.get_state_path(state_id)) as writer:
        writer.write(text[: len(text) // 2])
        writer.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _uri(scheme: str, folder: Path) -> str:
    return folder.as_uri().replace("file:", f"{scheme}:", 1)


def _manager(scheme: str, folder: Path) -> StateStoreManager:
    return StateBackend.get_manager_factory(scheme=scheme)(uri=_uri(scheme, folder), lock_timeout_seconds=10)


def _completed(manager: StateStoreManager) -> dict | None:
    found = manager.get(STATE_ID)
    return found.completed_state if found else None


def _kill_a_writer(scheme: str, folder: Path) -> Path:
    """State BEFORE saved, then a writer of AFTER killed halfway; the state file is returned."""
    manager = _manager(scheme, folder)
    manager.update(MeltanoState(state_id=STATE_ID, completed_state=BEFORE))
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_WRITER, _uri(scheme, folder), STATE_ID, json.dumps(AFTER)],
        capture_output=True,
        check=False,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    return folder / STATE_ID / "state.json"


def test_the_embedded_default_uses_the_atomic_backend() -> None:
    registered = entry_points(group="meltano.state_backends")[meltano.STATE_SCHEME].load()
    assert registered is AtomicFilesystemStateStoreManager
    assert meltano.meltano_env("run-1")["MELTANO_STATE_BACKEND_URI"].startswith(f"{meltano.STATE_SCHEME}:///")


def test_meltanos_file_backend_is_broken_by_a_killed_writer(tmp_path: Path) -> None:
    """Why the embedded default does not use ``file://``: the file is left truncated."""
    state_file = _kill_a_writer("file", tmp_path)
    with pytest.raises(json.JSONDecodeError):
        json.loads(state_file.read_text())


def test_a_killed_writer_leaves_the_previous_state_whole(tmp_path: Path) -> None:
    state_file = _kill_a_writer(meltano.STATE_SCHEME, tmp_path)
    assert json.loads(state_file.read_text())["completed"] == BEFORE
    manager = _manager(meltano.STATE_SCHEME, tmp_path)
    assert _completed(manager) == BEFORE
    # the next write goes through, and layout and state ids stay those of file://
    manager.update(MeltanoState(state_id=STATE_ID, completed_state=AFTER))
    assert _completed(manager) == AFTER
    assert list(manager.get_state_ids()) == [STATE_ID]


def test_a_lock_left_empty_by_a_killed_writer_does_not_stop_state_being_saved(tmp_path: Path) -> None:
    manager = _manager(meltano.STATE_SCHEME, tmp_path)
    (tmp_path / STATE_ID).mkdir()
    (tmp_path / STATE_ID / "lock").write_text("")
    manager.update(MeltanoState(state_id=STATE_ID, completed_state=AFTER))
    assert _completed(manager) == AFTER
    assert not (tmp_path / STATE_ID / "lock").exists()


def test_a_held_lock_is_still_respected(tmp_path: Path) -> None:
    manager = _manager(meltano.STATE_SCHEME, tmp_path)
    (tmp_path / STATE_ID).mkdir()
    (tmp_path / STATE_ID / "lock").write_text("9999999999.0")  # a writer that holds it now
    assert manager.is_locked(STATE_ID)
