"""The sandbox's contract: the orchestrator's conventions, auth, export and paging rules, the clock."""

from __future__ import annotations

import typing as t

import requests
from acme_orchestration import sandboxes
from zendesk_sandbox import SandboxSettings, tap_env

EXPORT = "/api/v2/incremental/tickets/cursor.json"


def _auth() -> tuple[str, str]:
    settings = SandboxSettings()
    return f"{settings.email}/token", settings.api_token


def _get(url: str, path: str, **params: t.Any) -> requests.Response:
    return requests.get(f"{url}{path}", params=params, auth=_auth(), timeout=10)


def test_the_orchestrator_conventions_hold(zendesk_sandbox: t.Any) -> None:
    env = sandboxes.tap_env("zendesk", zendesk_sandbox)
    assert env == tap_env(zendesk_sandbox.url, zendesk_sandbox.state.settings)
    assert env["TAP_ZENDESK_API_URL"] == zendesk_sandbox.url
    me = requests.get(
        f"{env['TAP_ZENDESK_API_URL']}/api/v2/users/me.json",
        auth=(f"{env['TAP_ZENDESK_EMAIL']}/token", env["TAP_ZENDESK_API_TOKEN"]),
        timeout=10,
    )
    assert me.status_code == 200
    assert SandboxSettings().start_clock is None


def test_wrong_credentials_get_zendesk_401(zendesk_sandbox_url: str) -> None:
    for auth in ((f"{SandboxSettings().email}/token", "wrong"), (SandboxSettings().email, SandboxSettings().api_token)):
        response = requests.get(f"{zendesk_sandbox_url}{EXPORT}", params={"start_time": 0}, auth=auth, timeout=10)
        assert response.status_code == 401
        assert response.json() == {"error": "Couldn't authenticate you"}


def test_exports_leave_out_the_last_minute_and_refuse_a_too_recent_start(
    zendesk_sandbox: t.Any, zendesk_world: t.Any
) -> None:
    clock = zendesk_sandbox.state.store.clock
    body = _get(zendesk_sandbox.url, EXPORT, start_time=0).json()
    assert max(ticket["generated_timestamp"] for ticket in body["tickets"]) <= clock - 60
    assert body["end_of_stream"] is True
    again = _get(zendesk_sandbox.url, EXPORT, cursor=body["after_cursor"]).json()
    assert again["tickets"] == []
    assert again["after_cursor"] == body["after_cursor"]
    too_recent = _get(zendesk_sandbox.url, "/api/v2/incremental/organizations.json", start_time=clock - 30)
    assert too_recent.status_code == 400
    assert "Too recent start_time" in too_recent.json()["description"]


def test_time_based_pages_never_split_a_second(zendesk_sandbox_url: str) -> None:
    body = _get(zendesk_sandbox_url, "/api/v2/incremental/organizations.json", start_time=0, per_page=1).json()
    assert body["count"] >= 1
    assert body["next_page"].endswith(f"start_time={body['end_time']}&per_page=1")
    seen: list[int] = []
    start = 0
    while True:
        page = _get(zendesk_sandbox_url, "/api/v2/incremental/organizations.json", start_time=start, per_page=5).json()
        seen += [o["id"] for o in page["organizations"]]
        if page["end_of_stream"]:
            break
        start = page["end_time"]
    full = _get(zendesk_sandbox_url, "/api/v2/incremental/organizations.json", start_time=0).json()
    assert set(seen) == {o["id"] for o in full["organizations"]}


def test_comments_page_with_cursors_and_deleted_tickets_have_none(zendesk_sandbox_url: str) -> None:
    tickets = _get(zendesk_sandbox_url, EXPORT, start_time=0).json()["tickets"]
    deleted = next(t["id"] for t in tickets if t["status"] == "deleted")
    assert _get(zendesk_sandbox_url, f"/api/v2/tickets/{deleted}/comments.json").status_code == 404
    live = max(tickets, key=lambda t: t["id"] if t["status"] != "deleted" else 0)["id"]
    everything = _get(zendesk_sandbox_url, f"/api/v2/tickets/{live}/comments.json").json()["comments"]
    paged: list[dict[str, t.Any]] = []
    body = _get(zendesk_sandbox_url, f"/api/v2/tickets/{live}/comments.json", **{"page[size]": 1}).json()
    while True:
        paged += body["comments"]
        if not body["meta"]["has_more"]:
            break
        body = requests.get(body["links"]["next"], auth=_auth(), timeout=10).json()
    assert paged == everything
    assert everything
    assert all("ticket_id" not in c for c in everything)
    assert _get(zendesk_sandbox_url, f"/api/v2/tickets/{live}/comments.json", **{"page[size]": 101}).status_code == 400


def test_the_clock_reveals_later_changes(
    start_zendesk_sandbox: t.Callable, sandbox_admin: t.Callable, zendesk_world: t.Any
) -> None:
    anchor = int(zendesk_world.anchor.timestamp())
    sandbox = start_zendesk_sandbox(start_clock=anchor - 86_400)
    before = _get(sandbox.url, EXPORT, start_time=0).json()
    moved = sandbox_admin(sandbox.url, "advance", hours=24)
    assert moved["clock"] == anchor
    assert moved["versions_applied"] > 0
    after = _get(sandbox.url, EXPORT, cursor=before["after_cursor"]).json()
    assert after["tickets"]
    assert all(ticket["generated_timestamp"] > anchor - 86_400 - 60 for ticket in after["tickets"])
