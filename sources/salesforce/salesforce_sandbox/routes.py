"""The Salesforce API routes: OAuth token, describe, limits, REST query/queryAll, Bulk API 2.0 queries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from salesforce_sandbox import query as soql_query
from salesforce_sandbox import soql
from salesforce_sandbox.bulk import decode_locator, encode_locator, to_csv
from salesforce_sandbox.errors import OAuthError, SalesforceError, malformed, not_found
from salesforce_sandbox.settings import API_VERSION
from salesforce_sandbox.state import QueryCursor, SandboxState
from salesforce_sandbox.store import RESOURCES

DATA = f"/services/data/v{API_VERSION}"
ORG_ID = "00DDn00000AcmeSBEAU"
INTEGRATION_USER_ID = "005Dn00000IntegAAA"


def sandbox(request: Request) -> SandboxState:
    """The app's shared state."""
    state: SandboxState = request.app.state.sandbox
    return state


def base_url(request: Request) -> str:
    """Scheme and host the client used (the org's ``instance_url``)."""
    return str(request.base_url).rstrip("/")


# -- OAuth ------------------------------------------------------------------------------------


async def token(request: Request) -> Response:
    """``POST /services/oauth2/token``: client_credentials, refresh_token or password grant."""
    state = sandbox(request)
    # application/x-www-form-urlencoded (parsed here: no python-multipart dependency)
    values = {k: v[-1] for k, v in parse_qs((await request.body()).decode("latin-1"), keep_blank_values=True).items()}
    settings = state.settings
    grant = values.get("grant_type", "")
    if grant not in ("client_credentials", "refresh_token", "password"):
        raise OAuthError(400, "unsupported_grant_type", "grant type not supported")
    if not hmac.compare_digest(values.get("client_id", ""), settings.client_id):
        raise OAuthError(400, "invalid_client_id", "client identifier invalid")
    if not hmac.compare_digest(values.get("client_secret", ""), settings.client_secret):
        raise OAuthError(400, "invalid_client", "invalid client credentials")
    if grant == "refresh_token" and not hmac.compare_digest(values.get("refresh_token", ""), settings.refresh_token):
        raise OAuthError(400, "invalid_grant", "expired access/refresh token")
    password_ok = hmac.compare_digest(values.get("password", ""), settings.password)
    if grant == "password" and (values.get("username") != settings.username or not password_ok):
        raise OAuthError(400, "invalid_grant", "authentication failure")
    access_token = state.tokens.issue()
    state.stats.record_event("token_issued")
    issued_at = str(int(time.time() * 1000))
    instance = base_url(request)
    user_url = f"{instance}/id/{ORG_ID}/{INTEGRATION_USER_ID}"
    signature = base64.b64encode(
        hmac.new(settings.client_secret.encode(), (user_url + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    body = {
        "access_token": access_token,
        "instance_url": instance,
        "id": user_url,
        "token_type": "Bearer",
        "issued_at": issued_at,
        "signature": signature,
    }
    return JSONResponse(body, headers={"Cache-Control": "no-cache, no-store"})


# -- metadata ---------------------------------------------------------------------------------


async def versions(request: Request) -> Response:
    """``GET /services/data``."""
    return JSONResponse([{"label": "Winter '25", "url": DATA, "version": API_VERSION}])


def _sobject(name: str) -> str:
    for resource in RESOURCES:
        if resource.lower() == name.lower():
            return resource
    raise SalesforceError(404, "NOT_FOUND", f"The requested resource does not exist: sobject type {name}")


async def describe(request: Request) -> Response:
    """``GET /sobjects/{object}/describe`` at the clock (custom fields, drift included)."""
    state = sandbox(request)
    return JSONResponse(state.store.describe(_sobject(request.path_params["sobject"])))


async def limits(request: Request) -> Response:
    """``GET /limits``: ``DailyApiRequests`` and the Bulk API 2.0 job allocation."""
    state = sandbox(request)
    used = state.usage.used(state.store.clock)
    limit = state.usage.limit
    return JSONResponse(
        {
            "DailyApiRequests": {"Max": limit, "Remaining": max(0, limit - used)},
            "DailyBulkV2QueryJobs": {"Max": 10_000, "Remaining": 10_000 - len(state.jobs.jobs)},
        }
    )


# -- REST query ---------------------------------------------------------------------------


def _page_size(request: Request, state: SandboxState) -> int:
    size = state.settings.query_page_size
    options = request.headers.get("sforce-query-options", "")
    for part in options.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "batchsize" and value.strip().isdigit():
            size = min(size, max(200, int(value)))
    return size


def _page(state: SandboxState, cursor: QueryCursor, offset: int, total: int, route: str, locator: str) -> Any:
    page = cursor.records[offset : offset + cursor.page_size]
    done = offset + len(page) >= len(cursor.records)
    body: dict[str, Any] = {"totalSize": total, "done": done}
    if not done:
        body["nextRecordsUrl"] = f"{DATA}/{route}/{locator}-{offset + len(page)}"
    body["records"] = page
    return body


async def _query(request: Request, include_deleted: bool) -> Response:
    state = sandbox(request)
    text = request.query_params.get("q")
    if text is None:
        raise malformed("missing query parameter q")
    settings = state.settings
    try:
        result = await run_in_threadpool(
            soql_query.run,
            state.store,
            text,
            include_deleted=include_deleted,
            recycle_bin_days=settings.recycle_bin_days,
            timeout_objects=settings.query_timeout_objects,
        )
    except SalesforceError as exc:
        if exc.error_code == "QUERY_TIMEOUT":
            state.stats.record_event("query_timeout")
        raise
    if result.count_only:
        return JSONResponse({"totalSize": result.total, "done": True, "records": []})
    cursor = QueryCursor(result.records, _page_size(request, state), include_deleted)
    locator = "01gDn" + secrets.token_hex(7).upper()[:13]
    if len(result.records) > cursor.page_size:
        state.remember(locator, cursor)
    route = "queryAll" if include_deleted else "query"
    return JSONResponse(_page(state, cursor, 0, result.total, route, locator))


async def query(request: Request) -> Response:
    """``GET /query?q=``: live records only."""
    return await _query(request, include_deleted=False)


async def query_all(request: Request) -> Response:
    """``GET /queryAll?q=``: deleted (recycle bin) records too, with ``IsDeleted: true``."""
    return await _query(request, include_deleted=True)


async def query_more(request: Request) -> Response:
    """``GET /query/{locator}-{offset}`` (``nextRecordsUrl``)."""
    state = sandbox(request)
    locator, _, offset_text = request.path_params["locator"].rpartition("-")
    cursor = state.cursors.get(locator)
    if cursor is None or not offset_text.isdigit():
        raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    route = "queryAll" if cursor.all_rows else "query"
    return JSONResponse(_page(state, cursor, int(offset_text), len(cursor.records), route, locator))


# -- Bulk API 2.0 -----------------------------------------------------------------------------


async def create_job(request: Request) -> Response:
    """``POST /jobs/query`` with ``{"operation": "query"|"queryAll", "query": "..."}``."""
    state = sandbox(request)
    try:
        spec = json.loads(await request.body())
    except json.JSONDecodeError:
        raise SalesforceError(400, "JSON_PARSER_ERROR", "The request body is not valid JSON") from None
    if not isinstance(spec, dict) or spec.get("operation") not in ("query", "queryAll"):
        raise SalesforceError(400, "INVALIDJOB", "operation must be query or queryAll")
    text = str(spec.get("query") or "")
    settings = state.settings
    timeout_message: str | None = None
    try:
        result = await run_in_threadpool(
            soql_query.run,
            state.store,
            text,
            include_deleted=spec["operation"] == "queryAll",
            recycle_bin_days=settings.recycle_bin_days,
            timeout_objects=settings.query_timeout_objects,
        )
    except SalesforceError as exc:
        if exc.error_code != "QUERY_TIMEOUT":
            raise
        state.stats.record_event("query_timeout")
        timeout_message = f"{exc.error_code}: {exc.message}"
        parsed = soql.parse(text)
        result = soql_query.QueryResult(parsed.sobject, parsed.fields)
    if result.count_only:
        raise SalesforceError(400, "API_ERROR", "Aggregate Relationships not supported in Bulk Query")
    job = state.jobs.create(
        operation=spec["operation"],
        sobject=result.sobject,
        created=state.store.clock,
        fields=result.fields,
        rows=[] if timeout_message else result.records,
        types=result.field_types,
        polls_left=settings.bulk_polls_until_complete,
        error_message=timeout_message,
    )
    return JSONResponse(job.info(INTEGRATION_USER_ID))


def _job(request: Request) -> Any:
    job = sandbox(request).jobs.get(request.path_params["job_id"])
    if job is None:
        raise not_found(request.url.path)
    return job


async def job_info(request: Request) -> Response:
    """``GET /jobs/query/{id}``: each poll moves the job towards ``JobComplete``."""
    job = _job(request)
    job.poll()
    return JSONResponse(job.info(INTEGRATION_USER_ID))


async def job_abort_or_delete(request: Request) -> Response:
    """``PATCH`` (``{"state": "Aborted"}``) or ``DELETE /jobs/query/{id}``."""
    state = sandbox(request)
    job = _job(request)
    if request.method == "DELETE":
        state.jobs.delete(job.id)
        return Response(status_code=204)
    job.state = "Aborted"
    return JSONResponse(job.info(INTEGRATION_USER_ID))


async def job_results(request: Request) -> Response:
    """``GET /jobs/query/{id}/results?locator=&maxRecords=``: one CSV page."""
    state = sandbox(request)
    job = _job(request)
    if job.state not in ("JobComplete", "Failed"):
        raise SalesforceError(400, "API_ERROR", f"Job {job.id} is not complete (state {job.state})")
    locator = request.query_params.get("locator")
    offset = 0 if not locator or locator == "null" else decode_locator(locator)
    if offset is None:
        raise SalesforceError(400, "INVALIDLOCATOR", "Invalid locator")
    max_records_text = request.query_params.get("maxRecords")
    page_size = state.settings.bulk_results_page_records
    if max_records_text:
        if not max_records_text.isdigit() or int(max_records_text) < 1:
            raise SalesforceError(400, "INVALIDPARAMETER", "maxRecords must be a positive integer")
        page_size = int(max_records_text)
    page = job.rows[offset : offset + page_size]
    following = offset + len(page)
    headers = {
        "Sforce-NumberOfRecords": str(len(page)),
        "Sforce-Locator": encode_locator(following) if following < len(job.rows) else "null",
    }
    return Response(to_csv(job.fields, page, job.types), media_type="text/csv", headers=headers)


async def unknown(request: Request) -> Response:
    """Anything else under the API."""
    raise not_found(request.url.path)


def api_routes() -> list[Route]:
    """Routes of the Salesforce API."""
    return [
        Route("/services/oauth2/token", token, methods=["POST"]),
        Route("/services/data", versions, methods=["GET"]),
        Route(f"{DATA}/limits", limits, methods=["GET"]),
        Route(DATA + "/sobjects/{sobject}/describe", describe, methods=["GET"]),
        Route(f"{DATA}/query", query, methods=["GET"]),
        Route(f"{DATA}/queryAll", query_all, methods=["GET"]),
        Route(DATA + "/query/{locator}", query_more, methods=["GET"]),
        Route(DATA + "/queryAll/{locator}", query_more, methods=["GET"]),
        Route(f"{DATA}/jobs/query", create_job, methods=["POST"]),
        Route(DATA + "/jobs/query/{job_id}", job_info, methods=["GET"]),
        Route(DATA + "/jobs/query/{job_id}", job_abort_or_delete, methods=["PATCH", "DELETE"]),
        Route(DATA + "/jobs/query/{job_id}/results", job_results, methods=["GET"]),
        Route("/services/{rest:path}", unknown, methods=["GET", "POST", "PATCH", "DELETE"]),
    ]
