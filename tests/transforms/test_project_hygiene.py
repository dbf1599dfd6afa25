"""Static checks on transforms/: no package needed locally, no secrets, no dialect SQL in models."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

from .conftest import PROJECT_DIR

MODELS = PROJECT_DIR / "models"


def test_no_packages_declared_for_the_local_build() -> None:
    assert not (PROJECT_DIR / "packages.yml").exists()
    assert not (PROJECT_DIR / "dependencies.yml").exists()
    deploy = yaml.safe_load((PROJECT_DIR / "deploy" / "packages.yml").read_text())
    assert {p["package"] for p in deploy["packages"]} == {"elementary-data/elementary", "dbt-labs/dbt_utils"}
    for path in [*MODELS.rglob("*.sql"), *(PROJECT_DIR / "macros").rglob("*.sql")]:
        assert "dbt_utils." not in path.read_text(), path


def test_profiles_hold_no_secrets() -> None:
    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())["acmecloud"]
    assert set(profile["outputs"]) == {"duckdb", "snowflake", "fakesnow"}
    prod = profile["outputs"]["snowflake"]
    for key in ("account", "user", "password", "private_key", "private_key_path", "role", "warehouse", "database"):
        assert str(prod[key]).startswith("{{ env_var("), key


def test_models_contain_no_dialect_specific_sql() -> None:
    dialect = re.compile(r"json_extract|get_path|flatten|parse_json|::|to_timestamp|make_timestamp|generate_series")
    for path in MODELS.rglob("*.sql"):
        assert not dialect.search(path.read_text()), f"{path}: use the macros in macros/cross_db.sql"


def test_every_model_is_documented() -> None:
    documented: set[str] = set()
    for yml in MODELS.rglob("_*.yml"):
        for model in yaml.safe_load(yml.read_text()).get("models", []):
            assert model.get("description"), model["name"]
            documented.add(model["name"])
    assert {p.stem for p in MODELS.rglob("*.sql")} == documented


def test_sqlfluff_lints_clean() -> None:
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("sqlfluff")), "lint", "transforms/models", "--processes", "1"],
        cwd=PROJECT_DIR.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
