"""Run a SOQL query against the store: validation, visibility (query vs queryAll), order, limit."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from salesforce_sandbox import soql
from salesforce_sandbox.errors import SalesforceError, query_timeout
from salesforce_sandbox.settings import API_VERSION
from salesforce_sandbox.store import RESOURCES, Body, SalesforceStore

_DEFAULT_ORDER = [("SystemModstamp", False), ("Id", False)]


@dataclass
class QueryResult:
    """Rows of one query: projected records (``attributes`` first) or, for ``COUNT()``, a size."""

    sobject: str
    fields: list[str]
    records: list[Body] = field(default_factory=list)
    total: int = 0
    count_only: bool = False
    field_types: dict[str, str] = field(default_factory=dict)


def _canonical_names(query: soql.Query, store: SalesforceStore) -> tuple[str, dict[str, str]]:
    by_lower = {name.lower(): name for name in RESOURCES}
    sobject = by_lower.get(query.sobject.lower())
    if sobject is None:
        raise SalesforceError(
            400,
            "INVALID_TYPE",
            f"sObject type '{query.sobject}' is not supported. If you are attempting to use a custom object, "
            "be sure to append the '__c' after the entity name.",
        )
    known = {name.lower(): name for name in store.field_names(sobject)}
    names: dict[str, str] = {}
    for name in query.referenced_fields():
        canonical = known.get(name.lower())
        if canonical is None:
            raise SalesforceError(400, "INVALID_FIELD", f"No such column '{name}' on entity '{sobject}'.")
        names[name] = canonical
    return sobject, names


def _rename(node: soql.Condition | None, names: dict[str, str]) -> soql.Condition | None:
    if node is None:
        return None
    if isinstance(node, soql.Comparison):
        return soql.Comparison(names[node.field], node.op, node.values)
    return soql.BoolOp(node.op, tuple(p for p in (_rename(part, names) for part in node.parts) if p is not None))


def _field_sort_key(name: str, body: Body) -> tuple[int, Any]:
    value = body.get(name)
    return (0, "") if value is None else (1, value)


def run(
    store: SalesforceStore,
    text: str,
    *,
    include_deleted: bool,
    recycle_bin_days: int | None,
    timeout_objects: tuple[str, ...] = (),
) -> QueryResult:
    """Execute ``text`` (the sandbox's SOQL subset) at the store's clock."""
    query = soql.parse(text)
    with store.lock:
        sobject, names = _canonical_names(query, store)
        if sobject in timeout_objects or sobject.lower() in (o.lower() for o in timeout_objects):
            raise query_timeout()
        where = _rename(query.where, names)
        order = [(names[f], desc) for f, desc in query.order_by]
        fields = [names[f] for f in query.fields]
        types = store.field_types(sobject)
        matches = soql.matcher(where)
        purge_before = store.purge_before(recycle_bin_days)
        has_deleted = "IsDeleted" in types
        rows: list[Body] = []
        for body in store.scan(sobject, soql.lower_bound(where, "SystemModstamp")):
            hidden = not include_deleted or (purge_before is not None and body["SystemModstamp"] < purge_before)
            if has_deleted and body.get("IsDeleted") and hidden:
                continue
            if matches(body):
                rows.append(body)
    if order and order not in (_DEFAULT_ORDER, _DEFAULT_ORDER[:1]):
        for name, descending in reversed(order):
            rows.sort(key=partial(_field_sort_key, name), reverse=descending)
    if query.limit is not None:
        rows = rows[: query.limit]
    if query.count:
        return QueryResult(sobject, [], total=len(rows), count_only=True, field_types=types)
    url = f"/services/data/v{API_VERSION}/sobjects/{sobject}/"
    records = [
        {"attributes": {"type": sobject, "url": url + body["Id"]}, **{name: body.get(name) for name in fields}}
        for body in rows
    ]
    return QueryResult(sobject, fields, records, total=len(records), field_types=types)
