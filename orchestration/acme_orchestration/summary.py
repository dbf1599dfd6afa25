"""What the main job prints at the end: rows per layer, MRR movements, failed payments."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

LAYERS = ("bronze", "silver", "gold")


def table_counts(conn: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(layer, table, rows) for every bronze, silver and gold table or view."""
    tables = conn.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_schema in ('bronze', 'silver', 'gold') and table_name not like '\\_%' escape '\\' "
        "order by 1, 2"
    ).fetchall()
    return [
        (schema, name, conn.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0])  # type: ignore[index]
        for schema, name in tables
    ]


def _has(conn: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        conn.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchone()[0]  # type: ignore[index]
    )


def render(warehouse: Path, as_of: dt.datetime) -> str:
    """The summary as text."""
    lines: list[str] = []
    # same configuration as dbt-duckdb's in-process connection (DuckDB refuses mixed ones)
    with duckdb.connect(str(warehouse)) as conn:
        lines.append("Rows per layer and table")
        counts = table_counts(conn)
        for layer in LAYERS:
            layer_rows = [(t, n) for s, t, n in counts if s == layer]
            lines.append(f"  {layer} ({sum(n for _, n in layer_rows):,} rows)")
            lines.extend(f"    {table:<40} {rows:>10,}" for table, rows in layer_rows)
        last_month = (as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1).date()
        if _has(conn, "gold", "fct_mrr"):
            lines.append(f"MRR movements in {last_month:%Y-%m} (last full month before {as_of:%Y-%m-%d %H:%M} UTC)")
            rows = conn.execute(
                "select currency, movement, count(*), sum(mrr), sum(mrr_change) from gold.fct_mrr "
                "where month = ? group by all order by 1, 2",
                [last_month],
            ).fetchall()
            lines.append(f"  {'currency':<9} {'movement':<13} {'customers':>9} {'MRR':>14} {'change':>12}")
            lines.extend(
                f"  {cur:<9} {mov:<13} {n:>9,} {float(mrr):>14,.2f} {float(chg):>12,.2f}"
                for cur, mov, n, mrr, chg in rows
            )
        if _has(conn, "gold", "fct_failed_payments"):
            rows = conn.execute(
                "select currency, count(*), count(*) filter (where is_recovered), sum(amount) "
                "from gold.fct_failed_payments group by 1 order by 1"
            ).fetchall()
            lines.append("Failed payment attempts")
            lines.append(f"  {'currency':<9} {'attempts':>9} {'recovered':>10} {'amount':>14}")
            lines.extend(f"  {cur:<9} {n:>9,} {rec:>10,} {float(amt):>14,.2f}" for cur, n, rec, amt in rows)
    lines.append(f"Warehouse: {warehouse}")
    return "\n".join(lines)
