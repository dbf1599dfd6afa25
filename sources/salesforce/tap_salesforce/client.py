"""Salesforce REST client: OAuth session, instance URL, API usage guard, error handling.

Every request carries the session's current access token; a 401 ``INVALID_SESSION_ID`` logs in
again and retries. Every response's ``Sforce-Limit-Info`` updates the usage guard, which stops the
run before a request would take the org past ``max_api_usage_share`` of its daily allocation.
``QUERY_TIMEOUT``, ``REQUEST_LIMIT_EXCEEDED`` and refused queries fail the run with a message
naming the source and stream. The rest (429/5xx retries, credential errors) is the template's.
"""

from __future__ import annotations

import typing as t
from http import HTTPStatus
from importlib import resources

import requests
from singer_sdk.exceptions import RetriableAPIError

from .auth import SalesforceSession, SessionAuthenticator
from .base import SourceStream
from .errors import (
    ApiShareExceededError,
    QueryRejectedError,
    QueryTimeoutError,
    RequestLimitExceededError,
    error_code,
)
from .usage import UsageGuard

if t.TYPE_CHECKING:
    from singer_sdk.helpers.types import Context

    from .tap import TapSalesforce

SCHEMAS = resources.files(__package__) / "schemas"
API_PATH_PREFIX = "/services/data/v{api_version}"
CSV = "text/csv"


class SalesforceStream(SourceStream):
    """Base stream of the Salesforce API (data calls go to the org's instance URL)."""

    @property
    def salesforce_tap(self) -> TapSalesforce:
        """The tap, with its session and usage guard."""
        return t.cast("TapSalesforce", self._tap)

    @property
    def session(self) -> SalesforceSession:
        """The run's OAuth session."""
        return self.salesforce_tap.session

    @property
    def usage(self) -> UsageGuard:
        """The run's view of the org's API usage."""
        return self.salesforce_tap.usage

    @property
    def url_base(self) -> str:
        """``<instance_url>/services/data/v62.0``."""
        version = str(self.config.get("api_version") or "62.0").lstrip("v")
        return self.session.current().instance_url + API_PATH_PREFIX.format(api_version=version)

    @property
    def authenticator(self) -> SessionAuthenticator:
        """Bearer access token from the session."""
        return SessionAuthenticator(self.session)

    @property
    def http_headers(self) -> dict[str, str]:
        """Headers of every request."""
        return {"User-Agent": "acme-cdp-tap-salesforce", "Accept": "application/json"}

    # -- requests ---------------------------------------------------------------------------

    def _request(self, prepared_request: requests.PreparedRequest, context: Context | None) -> requests.Response:
        """Refuse a request that would take the org past the allowed share of its daily API calls."""
        if not self.usage.allows_another():
            raise ApiShareExceededError(
                self.name,
                f"stopping before the org's API usage passes max_api_usage_share={self.usage.max_share} "
                f"of its daily allocation ({self.usage.latest}, Sforce-Limit-Info)",
            )
        return super()._request(prepared_request, context)

    def validate_response(self, response: requests.Response) -> None:
        """Salesforce error codes first, then the template's classification."""
        self.usage.observe(response.headers.get("Sforce-Limit-Info"))
        status = response.status_code
        if status < HTTPStatus.BAD_REQUEST:
            self.session.accepted()
            if response.headers.get("Content-Type", "").startswith(CSV):
                return  # Bulk API results; a cut-short body fails while reading and is retried
            super().validate_response(response)
            return
        code, message = error_code(response)
        if status == HTTPStatus.UNAUTHORIZED and code == "INVALID_SESSION_ID":
            sent = (response.request.headers.get("Authorization") or "").removeprefix("Bearer ")
            self.session.rejected(sent or None)
            raise RetriableAPIError(f"salesforce: access token rejected ({code}); retrying with a new one", response)
        if status == HTTPStatus.FORBIDDEN and code == "REQUEST_LIMIT_EXCEEDED":
            raise RequestLimitExceededError(
                self.name, f"the org's daily API requests are used up ({code}: {message}; {self.usage.latest})"
            )
        if code == "QUERY_TIMEOUT":
            raise QueryTimeoutError(self.name, f"Salesforce stopped the query ({code}: {message})")
        if status == HTTPStatus.BAD_REQUEST and code:
            raise QueryRejectedError(self.name, f"Salesforce refused the request ({code}: {message})")
        super().validate_response(response)

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, t.Any] | None = None,
        json_body: dict[str, t.Any] | None = None,
        accept: str = "application/json",
    ) -> requests.Response:
        """One request with the stream's auth, usage guard, rate cap and retries."""
        prepared = self.build_prepared_request(
            method=method,
            url=url,
            params=dict(params or {}),
            headers={**self.http_headers, "Accept": accept},
            json=json_body,
        )
        send = self.request_decorator(self._request)
        response: requests.Response = send(prepared, None)
        return response

    def api_url(self, path: str) -> str:
        """``/jobs/query`` → ``<instance>/services/data/v62.0/jobs/query``; instance-relative paths kept."""
        if path.startswith("/services/"):
            return self.session.current().instance_url + path
        return self.url_base + path

    def preflight(self) -> dict[str, t.Any]:
        """``GET /limits``: checks the session and reads the org's daily API usage before any state."""
        limits = self.fetch_json(self.api_url("/limits"))
        daily = limits.get("DailyApiRequests") or {}
        if daily:
            self.logger.info(
                "org API usage at start: %s of %s daily requests (run may take it to %.0f%%)",
                int(daily.get("Max", 0)) - int(daily.get("Remaining", 0)),
                daily.get("Max"),
                self.usage.max_share * 100,
            )
        return limits
