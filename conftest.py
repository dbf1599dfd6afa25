"""Fixtures shared by every test folder of the repo."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import fakesnow
import pytest


def pytest_configure(config: pytest.Config) -> None:
    """Let every process the tests start keep its bytecode, in a private cache.

    With ``PYTHONDONTWRITEBYTECODE`` set (as on this machine and in CI) and no ``.pyc`` in the
    virtualenvs, each dbt, Meltano, tap or ``acme`` process would compile its modules from source
    again: about 2 CPU-seconds per dbt process, on a CPU-bound suite. Set here, in the controller,
    before pytest-xdist starts its workers, so workers and their children inherit it. Nothing is
    written next to the installed packages.
    """
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) and not os.environ.get("PYTHONPYCACHEPREFIX"):
        os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "acme-test-pycache")


@pytest.fixture(scope="session")
def fakesnow_server() -> Iterator[dict[str, Any]]:
    """One fakesnow server on a free loopback port for the whole session (in-memory databases).

    Started once per session on purpose: ``fakesnow.server()`` imports its ``fakesnow.server``
    module, which then shadows the function of the same name for any later call in the process.
    """
    with fakesnow.server() as connect_args:
        yield connect_args


#: Test folders whose tests share expensive session fixtures (data folders loaded by Meltano runs that
#: every scenario copies), so they all run on one pytest-xdist worker. (Plugin installs are shared
#: safely: ``meltano.ensure_installed`` takes a file lock.)
_MELTANO_FOLDERS = ("tests/orchestration/",)


#: The longest units of work (minutes each on 2 cores, longest first), handed out first so that none
#: of them starts last and leaves the other workers idle at the end (the suite is CPU-bound). xdist
#: would reorder units by their number of tests instead: ``--no-loadscope-reorder`` in pyproject.toml
#: keeps this order.
_LONG_FIRST = (
    "tests/orchestration/",
    "tests/transforms/test_identity_resolution.py",
    "tests/transforms/test_marts_world.py",
    "tests/e2e/test_main_job.py",
    "tests/transforms/test_deletes_and_schema_drift.py",
    "tests/transforms/test_elementary.py",
    "tests/template/test_source_template.py",
    "tests/transforms/test_fakesnow_build.py",
    "tests/transforms/test_marts_fakesnow.py",
    "tests/transforms/test_world_truth.py",
    "tests/transforms/test_scenario_duckdb.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long units first (a stable sort: tests keep their order within a file)."""

    def rank(item: pytest.Item) -> int:
        for index, prefix in enumerate(_LONG_FIRST):
            if item.nodeid.startswith(prefix):
                return index
        return len(_LONG_FIRST)

    items.sort(key=rank)


def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Distribute tests by file (module fixtures are built once), the orchestration folder as one unit.

    (xdist's own ``--dist loadgroup`` renames node ids through an attribute pytest 9.2 no longer
    reads, so the grouping is done here, in the scheduler, where xdist decides.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class MeltanoAwareScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(_MELTANO_FOLDERS):
                return "orchestration"
            return nodeid.split("::", 1)[0]

    return MeltanoAwareScheduling(config, log)
