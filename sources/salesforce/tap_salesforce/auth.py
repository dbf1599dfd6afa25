"""OAuth 2.0 against Salesforce: one access token and instance URL per run, refreshed when rejected.

Grant, in order of preference: ``refresh_token`` (web-server flow of a connected app), ``password``
(``username`` + ``password``), else ``client_credentials``. The token endpoint is
``<api_url>/services/oauth2/token`` (``api_url`` is the login host or the org's My Domain); the API
is then called at the ``instance_url`` the token response names.
"""

from __future__ import annotations

import threading
import time
import typing as t
from dataclasses import dataclass

import requests
from singer_sdk.authenticators import APIAuthenticatorBase

from .base import CredentialsRejectedError
from .errors import SOURCE, error_code

if t.TYPE_CHECKING:
    from .base import SourceTap

TOKEN_PATH = "/services/oauth2/token"  # noqa: S105 (a URL path, not a secret)
#: Refreshes in a row without one accepted request before the credentials are declared bad.
MAX_REFRESHES_WITHOUT_SUCCESS = 2


@dataclass(frozen=True)
class Login:
    """An access token and the org's API host."""

    access_token: str
    instance_url: str


class SalesforceSession:
    """The run's OAuth session, shared by every stream and thread."""

    def __init__(self, tap: SourceTap) -> None:
        self.tap = tap
        self.config = tap.config
        self._login: Login | None = None
        self._lock = threading.Lock()
        self._refreshes_without_success = 0
        self.logins = 0

    @property
    def grant_type(self) -> str:
        """The OAuth grant the settings allow."""
        if self.config.get("refresh_token"):
            return "refresh_token"
        if self.config.get("username") and self.config.get("password"):
            return "password"
        return "client_credentials"

    def _payload(self) -> dict[str, str]:
        payload = {
            "grant_type": self.grant_type,
            "client_id": str(self.config.get("client_id") or ""),
            "client_secret": str(self.config.get("client_secret") or ""),
        }
        if payload["grant_type"] == "refresh_token":
            payload["refresh_token"] = str(self.config["refresh_token"])
        elif payload["grant_type"] == "password":
            payload["username"] = str(self.config["username"])
            payload["password"] = str(self.config["password"])
        return payload

    def current(self) -> Login:
        """The valid login (logs in on first use)."""
        with self._lock:
            if self._login is None:
                self._login = self._request_token()
            return self._login

    def rejected(self, access_token: str | None) -> None:
        """A request with ``access_token`` got ``INVALID_SESSION_ID``: log in again (once per token)."""
        with self._lock:
            if self._login is not None and access_token not in (None, self._login.access_token):
                return  # another request already refreshed it
            self._refreshes_without_success += 1
            if self._refreshes_without_success > MAX_REFRESHES_WITHOUT_SUCCESS:
                raise CredentialsRejectedError(
                    self.tap.credentials_message(401) + "; fresh access tokens were rejected too (INVALID_SESSION_ID)"
                )
            self.tap.logger.warning("access token rejected (INVALID_SESSION_ID); requesting a new one")
            self._login = self._request_token()

    def accepted(self) -> None:
        """A request went through with the current token."""
        self._refreshes_without_success = 0

    def _request_token(self) -> Login:
        url = str(self.config["api_url"]).rstrip("/") + TOKEN_PATH
        attempts = 1 + int(self.config.get("max_retries", 6))
        wait = float(self.config.get("retry_backoff_seconds", 1.0))
        cap = float(self.config.get("retry_max_wait_seconds", 60.0))
        timeout = float(self.config.get("request_timeout_seconds") or 60)
        for attempt in range(1, attempts + 1):
            self.tap.throttle.acquire()
            try:
                response = requests.post(url, data=self._payload(), timeout=timeout)
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                if attempt == attempts:
                    raise
                self.tap.logger.warning("token request failed (%s); retrying", type(exc).__name__)
            else:
                if response.status_code < 400:
                    body = response.json()
                    self.logins += 1
                    self.tap.logger.info("logged in to Salesforce (grant %s)", self.grant_type)
                    return Login(str(body["access_token"]), str(body["instance_url"]).rstrip("/"))
                if response.status_code in (400, 401, 403):
                    code, description = error_code(response)
                    raise CredentialsRejectedError(
                        f"{self.tap.credentials_message(response.status_code)}, `client_id` and the "
                        f"{self.grant_type} grant settings (OAuth error {code}: {description})"
                    )
                if attempt == attempts:
                    msg = f"{SOURCE}: the token endpoint answered HTTP {response.status_code}"
                    raise requests.HTTPError(msg, response=response)
                self.tap.logger.warning("token endpoint answered HTTP %d; retrying", response.status_code)
            time.sleep(min(wait * 2 ** (attempt - 1), cap))
        msg = f"{SOURCE}: could not obtain an access token"
        raise RuntimeError(msg)


class SessionAuthenticator(APIAuthenticatorBase):
    """Puts the session's current access token on every request (also on each retry)."""

    def __init__(self, session: SalesforceSession) -> None:
        super().__init__()
        self.session = session

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """``Authorization: Bearer <access token>``."""
        request.headers["Authorization"] = f"Bearer {self.session.current().access_token}"
        return request
