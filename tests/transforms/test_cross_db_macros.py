"""The portable `default__` implementations in macros/cross_db.sql, executed on DuckDB via dbt show."""

from __future__ import annotations

import json
from pathlib import Path

from .conftest import assert_ok, run_dbt

INLINE = """
select
    (select count(*) from ({{ acmecloud.default__month_spine(
        "cast('2024-11-15 08:00:00' as timestamp)", "cast('2025-02-03 00:00:00' as timestamp)"
    ) }}) as spine) as default_months,
    (select count(*) from ({{ acmecloud.duckdb__month_spine(
        "cast('2024-11-15 08:00:00' as timestamp)", "cast('2025-02-03 00:00:00' as timestamp)"
    ) }}) as spine) as duckdb_months,
    cast({{ acmecloud.default__epoch_to_timestamp('1718526215') }} as varchar) as default_epoch,
    cast({{ acmecloud.epoch_to_timestamp('1718526215') }} as varchar) as duckdb_epoch,
    cast({{ acmecloud.as_of_timestamp() }} as varchar) as as_of
"""


def test_default_and_duckdb_implementations_agree(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    result = run_dbt(
        ["show", "--inline", INLINE, "--output", "json", "--log-format", "json"],
        tmp_path,
        env={"ACME_DUCKDB_PATH": str(db)},
        vars_={"as_of": "2025-06-15T14:00:00+02:00"},
    )
    assert_ok(result)
    preview = None
    for line in result.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("data", {}).get("preview"):
            preview = json.loads(event["data"]["preview"])
    assert preview == [
        {
            "default_months": 4,
            "duckdb_months": 4,
            "default_epoch": "2024-06-16 08:23:35",
            "duckdb_epoch": "2024-06-16 08:23:35",
            "as_of": "2025-06-15 12:00:00",  # offsets are converted to UTC
        }
    ]
