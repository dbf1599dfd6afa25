"""The ``ops`` schema of the warehouse: where the orchestrator records runs and statuses as data.

DuckDB on the embedded default; Snowflake in production (same tables, same SQL), reached with the
``SNOWFLAKE_*`` variables the dbt profile uses.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from acme_orchestration.paths import warehouse_path

SCHEMA = "ops"


class OpsConnection(Protocol):
    """What the status writers need: statements with ``?`` parameters, in one transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...


class _DuckDB:
    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cursor = self.conn.execute(sql, list(params))
        try:
            return list(cursor.fetchall())
        except Exception:  # statements without a result set
            return []


class _Snowflake:
    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.cursor = conn.cursor()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.cursor.execute(sql.replace("?", "%s"), tuple(params))
        try:
            return list(self.cursor.fetchall())
        except Exception:  # statements without a result set
            return []


def snowflake_connect_args() -> dict[str, Any]:
    """Connection arguments from the environment (the same variables as the dbt ``snowflake`` profile)."""
    args: dict[str, Any] = {
        "account": os.environ["SNOWFLAKE_ACCOUNT"],
        "user": os.environ["SNOWFLAKE_USER"],
        "database": os.environ["SNOWFLAKE_DATABASE"],
    }
    optional = {
        "role": "SNOWFLAKE_ROLE",
        "warehouse": "SNOWFLAKE_WAREHOUSE",
        "password": "SNOWFLAKE_PASSWORD",
        "private_key_file": "SNOWFLAKE_PRIVATE_KEY_PATH",
        "host": "SNOWFLAKE_HOST",
        "port": "SNOWFLAKE_PORT",
        "protocol": "SNOWFLAKE_PROTOCOL",
    }
    for key, env in optional.items():
        if os.environ.get(env):
            args[key] = int(os.environ[env]) if key == "port" else os.environ[env]
    return args


def _ensure(conn: OpsConnection, tables: Mapping[str, str]) -> None:
    """The ``ops`` schema and ``tables`` ({name: column list}); DDL stays outside transactions
    (Snowflake commits around DDL)."""
    conn.execute(f"create schema if not exists {SCHEMA}")
    for name, columns in tables.items():
        conn.execute(f"create table if not exists {SCHEMA}.{name} ({columns})")


@contextlib.contextmanager
def connect(target: str = "duckdb", tables: Mapping[str, str] | None = None) -> Iterator[OpsConnection]:
    """A transaction on the warehouse of ``target``, with ``tables`` created first; commits on exit."""
    if target == "snowflake":
        import snowflake.connector

        sf = snowflake.connector.connect(**snowflake_connect_args())
        try:
            wrapped = _Snowflake(sf)
            _ensure(wrapped, tables or {})
            wrapped.execute("begin")
            try:
                yield wrapped
            except BaseException:
                wrapped.execute("rollback")
                raise
            wrapped.execute("commit")
        finally:
            sf.close()
        return
    import duckdb

    with duckdb.connect(str(warehouse_path())) as conn:
        _ensure(_DuckDB(conn), tables or {})
        conn.execute("begin transaction")
        try:
            yield _DuckDB(conn)
        except BaseException:
            conn.execute("rollback")
            raise
        conn.execute("commit")
