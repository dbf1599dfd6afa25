"""Shared fixtures: a fake ``sources/`` folder and the prod stack built on mocks."""

from __future__ import annotations

import importlib
import sys


def _restore_stdlib_platform() -> None:
    """Undo a side effect of pytest's ``--import-mode=importlib`` on this folder.

    pytest names the modules here ``platform.tests.*`` (path relative to the repo root) and,
    to import them, registers ``<repo>/platform`` as a namespace package in
    ``sys.modules["platform"]``, replacing the standard library's ``platform`` module for the
    rest of the session (other folders' tests, xdist workers: ``platform.system()`` fails).
    Put the stdlib module back, with a ``__path__`` so that pytest keeps resolving
    ``platform.tests.*`` through it (it re-imports a parent only when ``__path__`` is missing).
    """
    current = sys.modules.get("platform")
    if current is None or hasattr(current, "python_version"):
        return
    package_path = list(getattr(current, "__path__", []))
    del sys.modules["platform"]
    stdlib = importlib.import_module("platform")  # a regular module wins over a namespace
    stdlib.__path__ = package_path  # type: ignore[attr-defined]
    for name, module in list(sys.modules.items()):
        if name.startswith("platform.") and name.count(".") == 1:
            setattr(stdlib, name.split(".", 1)[1], module)


_restore_stdlib_platform()

from collections.abc import Callable  # noqa: E402 (after the fix above)
from pathlib import Path  # noqa: E402 (after the fix above)

import pytest  # noqa: E402 (after the fix above)
from acme_platform.settings import PlatformSettings  # noqa: E402 (after the fix above)
from acme_platform.testing import BuiltStack, build_stack, make_fake_sources, prod_settings  # noqa: E402 (after the fix above)


def pytest_configure(config: pytest.Config) -> None:
    # pulumi_aws emits a DeprecationWarning per deprecated class when its modules load.
    config.addinivalue_line("filterwarnings", "ignore::DeprecationWarning:pulumi_aws.*")


@pytest.fixture(scope="session")
def fake_sources_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_fake_sources(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="session")
def stack(fake_sources_dir: Path) -> BuiltStack:
    """The prod configuration over the fake sources, built once per test session
    (assertions only read the recorded resources)."""
    return build_stack(prod_settings(fake_sources_dir))


@pytest.fixture
def build() -> Callable[[PlatformSettings], BuiltStack]:
    return build_stack
