"""Lint-time stand-ins for dbt's cross-database macros (`dbt.type_string()`, `dbt.dateadd(...)`).

sqlfluff's jinja templater cannot run dbt; this module (loaded through `library_path` in
transforms/.sqlfluff) renders each macro as the DuckDB SQL dbt-duckdb would produce, so the models
lint as DuckDB. Not used by dbt itself.
"""


def type_string() -> str:
    return "varchar"


def type_bigint() -> str:
    return "bigint"


def type_int() -> str:
    return "integer"


def type_numeric() -> str:
    return "numeric(28, 6)"


def type_float() -> str:
    return "double"


def type_boolean() -> str:
    return "boolean"


def type_timestamp() -> str:
    return "timestamp"


def current_timestamp() -> str:
    return "now()"


def date_trunc(datepart: str, date: str) -> str:
    return f"date_trunc('{datepart}', {date})"


def dateadd(datepart: str, interval: object, from_date_or_timestamp: str) -> str:
    return f"({from_date_or_timestamp} + ({interval} * interval 1 {datepart}))"


def datediff(first_date: str, second_date: str, datepart: str) -> str:
    return f"date_diff('{datepart}', {first_date}, {second_date})"


def listagg(
    measure: str, delimiter_text: str = "','", order_by_clause: str | None = None, limit_num: int | None = None
) -> str:
    order = f" {order_by_clause}" if order_by_clause else ""
    return f"string_agg({measure}, {delimiter_text}{order})"


def hash(field: str) -> str:  # dbt's macro name (shadows the builtin inside this module only)
    return f"md5(cast({field} as varchar))"
