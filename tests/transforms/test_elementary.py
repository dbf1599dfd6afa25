"""Elementary wiring: with the production packages installed, the project builds with Elementary on DuckDB.

Packages come from the local bare mirrors (no dbt Hub here) and are extracted into the test's tmp
directory, pointed at with DBT_PACKAGES_INSTALL_PATH; transforms/ itself stays package-free.
Skipped when the mirrors are absent.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import duckdb
import pytest

from .bronze import load_duckdb
from .conftest import assert_ok, run_dbt
from .scenario import AS_OF, bronze_rows

GOLD_MARTS = {path.stem for path in (Path(__file__).parents[2] / "transforms" / "models" / "marts").rglob("*.sql")}
MIRRORS = {
    "elementary": Path("/work/.mirror/elementary-data+dbt-data-reliability/repo"),
    "dbt_utils": Path("/work/.mirror/dbt-labs+dbt-utils/repo"),
}


def _extract(repo: Path, into: Path) -> None:
    into.mkdir(parents=True)
    archive = subprocess.run(["git", f"--git-dir={repo}", "archive", "HEAD"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)


@pytest.mark.skipif(not all(p.exists() for p in MIRRORS.values()), reason="package mirrors not present")
def test_project_builds_with_elementary(tmp_path: Path) -> None:
    packages = tmp_path / "dbt_packages"
    for name, repo in MIRRORS.items():
        _extract(repo, packages / name)
    db = tmp_path / "warehouse.duckdb"
    load_duckdb(str(db), bronze_rows())
    env = {"ACME_DUCKDB_PATH": str(db), "DBT_PACKAGES_INSTALL_PATH": str(packages)}

    result = run_dbt(["build"], tmp_path, env=env, vars_={"as_of": AS_OF, "elementary_enabled": True})
    assert_ok(result)
    ids = result.statuses()
    assert any(k.startswith("model.elementary.") for k in ids)
    assert any(k.startswith("test.acmecloud.elementary_volume_anomalies") for k in ids)
    assert any(k.startswith("test.acmecloud.elementary_schema_changes") for k in ids)

    con = duckdb.connect(str(db), read_only=True)
    try:
        [(n_results,)] = con.execute("select count(*) from elementary.elementary_test_results").fetchall()
        gold = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'gold'"
            ).fetchall()
        }
    finally:
        con.close()
    assert n_results > 100  # dbt tests recorded through the wrapped test materialization
    # every mart still lands in gold when Elementary wraps the materializations
    assert gold == GOLD_MARTS
