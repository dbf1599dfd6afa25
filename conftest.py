"""Fixtures shared by every test folder of the repo."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import fakesnow
import pytest


@pytest.fixture(scope="session")
def fakesnow_server() -> Iterator[dict[str, Any]]:
    """One fakesnow server on a free loopback port for the whole session (in-memory databases).

    Started once per session on purpose: ``fakesnow.server()`` imports its ``fakesnow.server``
    module, which then shadows the function of the same name for any later call in the process.
    """
    with fakesnow.server() as connect_args:
        yield connect_args


#: Test folders whose tests run Meltano jobs: they share the repo's ``.meltano`` plugin installs and
#: expensive session fixtures (loaded data folders), so pytest-xdist keeps them on one worker.
_MELTANO_FOLDERS = ("tests/orchestration/", "tests/e2e/")


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook turns the marker into the node id's group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        relative = item.path.relative_to(root).as_posix() if item.path.is_relative_to(root) else ""
        if relative.startswith(_MELTANO_FOLDERS):
            item.add_marker(pytest.mark.xdist_group("meltano"))
