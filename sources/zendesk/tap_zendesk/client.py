"""Zendesk REST client: base URL, API-token authentication, pacing under the rate limits."""

from __future__ import annotations

import datetime as dt
import typing as t
from importlib import resources

from singer_sdk.authenticators import BasicAuthenticator
from singer_sdk.schema.source import SchemaDirectory

from .base import CredentialsRejectedError, SourceStream

if t.TYPE_CHECKING:
    import requests
    from singer_sdk.helpers.types import Context

    from .tap import TapZendesk

#: JSON schemas, one ``<stream name>.json`` per stream.
SCHEMAS = SchemaDirectory(resources.files(__package__) / "schemas")
API_PATH_PREFIX = "/api/v2"
DEFAULT_API_URL = "https://acmecloud.zendesk.com"


def epoch(value: t.Any) -> int:
    """Epoch seconds from an ISO 8601 time (``2024-03-01T10:00:00Z``), a datetime or a number."""
    if isinstance(value, int | float):
        return int(value)
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


class ZendeskStream(SourceStream):
    """Base stream of the Zendesk Support API."""

    @property
    def zendesk_tap(self) -> TapZendesk:
        """The tap, typed."""
        return t.cast("TapZendesk", self._tap)

    @property
    def api_root(self) -> str:
        """Scheme and host: ``api_url``, or ``https://<subdomain>.zendesk.com`` when only ``subdomain`` is set."""
        url = str(self.config.get("api_url") or DEFAULT_API_URL).rstrip("/")
        subdomain = self.config.get("subdomain")
        if subdomain and url == DEFAULT_API_URL:
            return f"https://{subdomain}.zendesk.com"
        return url

    @property
    def url_base(self) -> str:
        """API root including the version prefix."""
        return self.api_root + API_PATH_PREFIX

    @property
    def authenticator(self) -> BasicAuthenticator:
        """API token: basic auth ``{email}/token:{api_token}``."""
        user = f"{self.config.get('email', '')}/token"
        return BasicAuthenticator(username=user, password=str(self.config["api_token"]))

    @property
    def http_headers(self) -> dict[str, str]:
        """Headers of every request."""
        return {"User-Agent": "acme-cdp-tap-zendesk", "Accept": "application/json"}

    def _request(self, prepared_request: requests.PreparedRequest, context: Context | None) -> requests.Response:
        """Wait for a slot under the Zendesk rate limits, then send (rate cap, retries: base)."""
        self.zendesk_tap.limits.acquire(prepared_request.url or "")
        return super()._request(prepared_request, context)

    def validate_response(self, response: requests.Response) -> None:
        """Learn from the rate-limit headers, then classify the response (base)."""
        self.zendesk_tap.limits.observe(response)
        super().validate_response(response)

    def preflight(self) -> dict[str, t.Any]:
        """Credential check on ``/users/me.json`` (not an export: it costs no export request)."""
        body = self.fetch_json(f"{self.url_base}/users/me.json")
        if (body.get("user") or {}).get("id") is None:
            # Zendesk answers an unauthenticated /users/me with an anonymous user (id null).
            raise CredentialsRejectedError(self.source_tap.credentials_message(401))
        return body
