"""The ``/v1`` API: list and retrieve endpoints over the store, Stripe-shaped."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stripe_sandbox.errors import StripeError, resource_missing
from stripe_sandbox.pagination import (
    Key,
    ListParams,
    Page,
    QueryParams,
    page_keys,
    page_sequence,
    parse_bool,
)
from stripe_sandbox.state import SandboxState
from stripe_sandbox.store import RESOURCES, ResourceIndex, SandboxStore, embedded_rows, ref

Check = Callable[[Mapping[str, Any]], bool]

#: Exact-match string filters Stripe offers per list endpoint (not index-backed).
EQ_FILTERS: dict[str, tuple[str, ...]] = {
    "customers": ("email",),
    "products": ("type",),
    "prices": ("currency", "type", "lookup_key"),
    "subscriptions": ("collection_method",),
    "invoices": ("status", "collection_method"),
    "charges": (),
    "refunds": (),
}
BOOL_FILTERS: dict[str, tuple[str, ...]] = {"products": ("active", "shippable"), "prices": ("active",)}
SUBSCRIPTION_STATUSES = {
    "active",
    "past_due",
    "unpaid",
    "canceled",
    "incomplete",
    "incomplete_expired",
    "trialing",
    "paused",
    "all",
    "ended",
}


class StripeJSON(Response):
    """Compact JSON response (orjson: a 400 kB page of invoices serialises in ~1 ms)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        """Serialise ``content`` compactly."""
        return orjson.dumps(content)


def sandbox(request: Request) -> SandboxState:
    """The app's shared state."""
    state: SandboxState = request.app.state.sandbox
    return state


def params_of(request: Request) -> QueryParams:
    """Query parameters as a multi-value view."""
    return QueryParams(request.query_params.multi_items())


def list_object(url: str, data: list[Any], has_more: bool) -> dict[str, Any]:
    """A Stripe list object."""
    return {"object": "list", "data": data, "has_more": has_more, "url": url}


def unrecognized(request: Request) -> StripeError:
    """404 for a URL Stripe would not know."""
    return StripeError(
        404,
        f"Unrecognized request URL ({request.method}: {request.url.path}). Please see "
        "https://stripe.com/docs or we can help at https://support.stripe.com/.",
    )


def _cursor_key(index: ResourceIndex, params: ListParams, name: str) -> Key | None:
    cursor = params.starting_after or params.ending_before
    if cursor is None:
        return None
    key = index.key_of(cursor)
    if key is None:
        param = "starting_after" if params.starting_after else "ending_before"
        raise StripeError(400, f"No such {name}: '{cursor}'", code="resource_missing", param=param)
    return key


def _field_is(name: str, value: str, by_ref: bool = False) -> Check:
    """``body[name] == value`` (``by_ref``: compare the referenced id)."""
    if by_ref:
        return lambda body: ref(body.get(name)) == value
    return lambda body: body.get(name) == value


def _flag_is(name: str, flag: bool) -> Check:
    """``bool(body[name]) is flag``."""
    return lambda body: bool(body.get(name)) is flag


def _checks(plural: str, params: QueryParams, skip: str | None) -> list[Check]:
    """Predicates for the filters in ``params`` (``skip`` is served by an index)."""
    spec = RESOURCES[plural]
    checks: list[Check] = []
    for name in spec.indexed:
        value = params.get(name)
        if value is not None and name != skip:
            checks.append(_field_is(name, value, by_ref=True))
    for name in EQ_FILTERS.get(plural, ()):
        value = params.get(name)
        if value is not None:
            checks.append(_field_is(name, value))
    for name in BOOL_FILTERS.get(plural, ()):
        flag = parse_bool(params, name)
        if flag is not None:
            checks.append(_flag_is(name, flag))
    if plural == "subscriptions":
        checks.extend(_subscription_checks(params))
    if plural == "products":
        ids = set(params.get_list("ids"))
        if ids:
            checks.append(lambda b: b.get("id") in ids)
    return checks


def _subscription_checks(params: QueryParams) -> list[Check]:
    """``status`` (default: not canceled) and ``price`` filters of ``/v1/subscriptions``."""
    checks: list[Check] = []
    status = params.get("status")
    if status is not None and status not in SUBSCRIPTION_STATUSES:
        raise StripeError(
            400,
            f"Invalid status: must be one of {', '.join(sorted(SUBSCRIPTION_STATUSES))}",
            code="parameter_invalid_string",
            param="status",
        )
    if status is None:
        checks.append(lambda b: b.get("status") != "canceled")
    elif status == "ended":
        checks.append(lambda b: b.get("status") in ("canceled", "incomplete_expired"))
    elif status != "all":
        checks.append(lambda b: b.get("status") == status)
    price = params.get("price")
    if price is not None:
        checks.append(lambda b: any(ref(row.get("price")) == price for row in embedded_rows(b, "items")))
    return checks


def list_objects(store: SandboxStore, plural: str, params: QueryParams) -> dict[str, Any]:
    """A page of a resource list as of the store's clock."""
    index = store.index(plural)
    spec = index.spec
    paging = ListParams.parse(params)
    keys: list[Key] = index.keys
    indexed_by = next((n for n in spec.indexed if params.get(n) is not None), None)
    if indexed_by is not None:
        keys = index.keys_for(indexed_by, params.get(indexed_by) or "")
    checks = _checks(plural, params, indexed_by)
    bodies = index.bodies

    def predicate(oid: str) -> bool:
        body = bodies[oid]
        return all(check(body) for check in checks)

    page = page_keys(keys, paging, _cursor_key(index, paging, spec.name), predicate if checks else None)
    data = [store.render(plural, bodies[oid]) for oid in page.ids]
    return list_object(f"/v1/{plural}", data, page.has_more)


def list_events(store: SandboxStore, params: QueryParams) -> dict[str, Any]:
    """A page of ``/v1/events``: 30-day retention, ``type`` (with ``*``) and ``types[]``."""
    paging = store.event_window(ListParams.parse(params))
    by_id = store.events.by_id
    patterns = []
    single = params.get("type")
    if single is not None:
        patterns.append(re.compile(".*".join(re.escape(p) for p in single.split("*"))))
    exact = set(params.get_list("types"))

    def predicate(oid: str) -> bool:
        event_type = str(by_id[oid].get("type"))
        if exact and event_type not in exact:
            return False
        return all(p.fullmatch(event_type) for p in patterns)

    cursor = paging.starting_after or paging.ending_before
    cursor_key: Key | None = None
    if cursor is not None:
        event = by_id.get(cursor)
        if event is None:
            param = "starting_after" if paging.starting_after else "ending_before"
            raise StripeError(400, f"No such event: '{cursor}'", code="resource_missing", param=param)
        cursor_key = (int(event["created"]), cursor)
    filtered = bool(patterns or exact)
    page = page_keys(store.events.keys, paging, cursor_key, predicate if filtered else None)
    return list_object("/v1/events", [by_id[oid] for oid in page.ids], page.has_more)


def retrieve_object(store: SandboxStore, plural: str, oid: str) -> Mapping[str, Any]:
    """One object as of the clock; deleted customers come back as a ``deleted`` stub."""
    if plural == "events":
        event = store.event(oid)
        if event is None:
            raise resource_missing("event", oid)
        return event
    if plural == "subscription_items":
        return _subscription_item(store, oid)
    index = store.index(plural)
    body = index.bodies.get(oid)
    if body is not None:
        return store.render(plural, body)
    if plural == "customers" and oid in index.deleted:
        return {"id": oid, "object": "customer", "deleted": True}
    raise resource_missing(index.spec.name, oid)


def _subscription_item(store: SandboxStore, item_id: str) -> Mapping[str, Any]:
    subscriptions = store.index("subscriptions")
    parent = subscriptions.child_parent.get(item_id)
    body = subscriptions.bodies.get(parent) if parent else None
    for row in embedded_rows(body or {}, "items"):
        if row.get("id") == item_id:
            return row
    raise resource_missing("subscription_item", item_id)


def _child_page(rows: list[dict[str, Any]], params: QueryParams, url: str, name: str) -> Any:
    paging = ListParams.parse(params)
    by_id = {str(row.get("id")): row for row in rows}
    page: Page = page_sequence(list(by_id), paging, name)
    return list_object(url, [by_id[i] for i in page.ids], page.has_more)


async def list_endpoint(request: Request) -> Response:
    """``GET /v1/{resource}``."""
    plural = request.path_params["resource"]
    store = sandbox(request).store
    params = params_of(request)
    if plural == "events":
        return StripeJSON(list_events(store, params))
    if plural == "subscription_items":
        sub_id = params.get("subscription")
        if sub_id is None:
            raise StripeError(
                400,
                "Missing required param: subscription.",
                code="parameter_missing",
                param="subscription",
            )
        body = store.index("subscriptions").bodies.get(sub_id)
        if body is None:
            raise resource_missing("subscription", sub_id, param="subscription")
        url = f"/v1/subscription_items?subscription={sub_id}"
        return StripeJSON(_child_page(embedded_rows(body, "items"), params, url, "subscription_item"))
    if plural not in RESOURCES:
        raise unrecognized(request)
    return StripeJSON(list_objects(store, plural, params))


async def retrieve_endpoint(request: Request) -> Response:
    """``GET /v1/{resource}/{id}``."""
    plural = request.path_params["resource"]
    if plural not in RESOURCES and plural not in ("events", "subscription_items"):
        raise unrecognized(request)
    return StripeJSON(retrieve_object(sandbox(request).store, plural, request.path_params["id"]))


async def invoice_lines_endpoint(request: Request) -> Response:
    """``GET /v1/invoices/{id}/lines``."""
    invoice_id = request.path_params["id"]
    store = sandbox(request).store
    body = store.index("invoices").bodies.get(invoice_id)
    if body is None:
        raise resource_missing("invoice", invoice_id)
    url = f"/v1/invoices/{invoice_id}/lines"
    return StripeJSON(_child_page(embedded_rows(body, "lines"), params_of(request), url, "line_item"))


def api_routes() -> list[Route]:
    """Routes of the ``/v1`` API (GET only, like a read-only tap needs)."""
    return [
        Route("/v1/invoices/{id}/lines", invoice_lines_endpoint, methods=["GET"]),
        Route("/v1/{resource}", list_endpoint, methods=["GET"]),
        Route("/v1/{resource}/{id}", retrieve_endpoint, methods=["GET"]),
    ]
