"""Where things live: the repo, the local data folder, the dbt project."""

from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The monorepo root (the folder with the root meltano.yml)."""
    env = os.environ.get("ACME_REPO_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "meltano.yml").exists() and (parent / "transforms").exists():
            return parent
    msg = "orchestration: cannot find the repo root (set ACME_REPO_ROOT)"
    raise RuntimeError(msg)


def data_dir() -> Path:
    """Local state of the embedded default: world, stage, warehouse (env ACME_DATA_DIR)."""
    path = Path(os.environ.get("ACME_DATA_DIR") or repo_root() / ".data").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_path() -> Path:
    """The local DuckDB warehouse file."""
    return data_dir() / "warehouse.duckdb"


def transforms_dir() -> Path:
    """The shared dbt project."""
    return repo_root() / "transforms"


def source_names() -> list[str]:
    """Every source generated from the template (a folder with a meltano.yml under sources/)."""
    return sorted(p.parent.name for p in (repo_root() / "sources").glob("*/meltano.yml"))
