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
