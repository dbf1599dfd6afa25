"""Incremental exports: same-second objects across page boundaries, resuming from state, paging rules."""

from __future__ import annotations

import logging
import typing as t

import pytest
from tap_zendesk.exports import Page
from tap_zendesk.tap import TapZendesk

DELETED_ORG_AT = 1_721_590_275  # the world's one deleted organization (seed 11, scale 0.002)
DELETED_TICKET = 58  # deleted at 1_722_849_394


def _visible(world: t.Any, resource: str, clock: int) -> list[tuple[int, int]]:
    """``(updated, id)`` of the objects an export shows at ``clock`` (cut-off: one minute)."""
    latest: dict[int, int] = {}
    for version in world.zendesk.versions:
        if version.resource == resource and version.valid_from <= clock - 60:
            latest[int(version.id)] = version.valid_from
    return sorted((stamp, object_id) for object_id, stamp in latest.items())


def test_tickets_changed_in_the_same_second_are_both_loaded_across_a_page_boundary(
    zendesk_world: t.Any,
    zendesk_sandbox_url: str,
    tap_runner: t.Callable,
    tap_config: t.Callable,
    sandbox_stats: t.Callable,
) -> None:
    keys = _visible(zendesk_world, "ticket", int(zendesk_world.anchor.timestamp()))
    first = next(i for i in range(len(keys) - 1) if keys[i][0] == keys[i + 1][0])
    (stamp, before), (_, after) = keys[first], keys[first + 1]
    # pages of first + 1 tickets: the boundary falls between the two tickets of that second
    run = tap_runner(tap_config(zendesk_sandbox_url, export_page_size=first + 1))
    ids = [r["id"] for r in run.records("tickets")]
    assert ids.index(before) == first
    assert ids.index(after) == first + 1
    assert ids.count(before) == ids.count(after) == 1
    assert sorted(ids) == sorted(object_id for _, object_id in keys)
    # the page boundary is where we put it: that second is split over two export pages
    assert [r["generated_timestamp"] for r in run.records("tickets")][first : first + 2] == [stamp, stamp]


def test_the_export_cursor_resumes_from_state(
    zendesk_world: t.Any,
    start_zendesk_sandbox: t.Callable,
    tap_runner: t.Callable,
    tap_config: t.Callable,
    sandbox_admin: t.Callable,
    sandbox_stats: t.Callable,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = DELETED_ORG_AT - 3600
    anchor = int(zendesk_world.anchor.timestamp())
    sandbox = start_zendesk_sandbox(start_clock=before)
    first = tap_runner(tap_config(sandbox.url))
    assert {r["id"] for r in first.records("tickets")} == {i for _, i in _visible(zendesk_world, "ticket", before)}
    cursor = first.final_state["bookmarks"]["tickets"]["cursor"]

    sandbox_admin(sandbox.url, "advance", to=anchor)
    sandbox_admin(sandbox.url, "reset-stats")
    with caplog.at_level(logging.INFO):
        second = tap_runner(tap_config(sandbox.url), state=first.final_state)
    assert any(f"export from {{'cursor': '{cursor}'}}" in r.getMessage() for r in caplog.records)

    for stream, resource in (("tickets", "ticket"), ("users", "user")):
        changed = {i for s, i in _visible(zendesk_world, resource, anchor) if s > before - 60}
        assert {r["id"] for r in second.records(stream)} == changed, stream
    orgs = {r["id"]: r for r in second.records("organizations")}
    assert all(
        r["updated_at"] >= first.final_state["bookmarks"]["organizations"]["replication_key_value"]
        for r in orgs.values()
    )
    deleted_orgs = [r for r in orgs.values() if r.get("_sdc_deleted_at")]
    assert len(deleted_orgs) == 1
    tickets = {r["id"]: r for r in second.records("tickets")}
    assert tickets[DELETED_TICKET]["status"] == "deleted"
    assert tickets[DELETED_TICKET]["_sdc_deleted_at"] == tickets[DELETED_TICKET]["updated_at"]

    # comments are read only for the tickets this run emitted (and not for the deleted one)
    live = {i for i, r in tickets.items() if r["status"] != "deleted"}
    comment_requests = sandbox_stats(sandbox.url)["by_route"]["/api/v2/tickets/{id}/comments.json"]["requests"]
    assert comment_requests == len(live)
    assert {c["ticket_id"] for c in second.records("ticket_comments")} <= live

    # a third run with nothing new reads no ticket, user nor comment and keeps the cursors; the
    # time-based organization export starts at the saved end_time, so it re-reads that second only
    third = tap_runner(tap_config(sandbox.url), state=second.final_state)
    for quiet in ("tickets", "users", "ticket_comments"):
        assert not third.records(quiet), quiet
    end_time = second.final_state["bookmarks"]["organizations"]["end_time"]
    assert {r["updated_at"] for r in third.records("organizations")} <= {max(r["updated_at"] for r in orgs.values())}
    for stream in ("tickets", "users"):
        assert third.final_state["bookmarks"][stream]["cursor"] == second.final_state["bookmarks"][stream]["cursor"]
    assert third.final_state["bookmarks"]["organizations"]["end_time"] == end_time


def _organizations() -> t.Any:
    tap = TapZendesk(config={"api_token": "x", "email": "a@b.c"}, parse_env_config=False)
    return tap.streams["organizations"]


def test_time_based_pages_drop_the_repeated_second_and_always_move_forward() -> None:
    stream = _organizations()
    stream.first_params(None)

    def org(object_id: int, second: int) -> dict[str, t.Any]:
        return {"id": object_id, "updated_at": f"2025-01-01T00:00:{second:02d}Z"}

    first = {"organizations": [org(1, 1), org(2, 2), org(3, 2)], "end_time": 1735689602}
    page1 = Page({"start_time": 1735689600}, first)
    assert [o["id"] for o in stream.page_records(page1)] == [1, 2, 3]
    assert stream.next_params(page1) == {"start_time": 1735689602, "per_page": 1000}
    page2 = Page(
        {"start_time": 1735689602},
        {"organizations": [org(2, 2), org(3, 2), org(4, 2), org(5, 3)], "end_time": 1735689603, "end_of_stream": True},
    )
    assert [o["id"] for o in stream.page_records(page2)] == [4, 5]
    assert stream.next_params(page2) is None
    assert stream.position_after(page2) == 1735689603
    stuck = Page({"start_time": 1735689603}, {"organizations": [org(6, 3)], "end_time": 1735689603})
    assert stream.next_params(stuck) == {"start_time": 1735689604, "per_page": 1000}


def test_a_replay_window_stops_at_end_date(
    clean_run: t.Any, zendesk_sandbox_url: str, tap_runner: t.Callable[..., t.Any], tap_config: t.Callable[..., t.Any]
) -> None:
    """``start_date`` / ``end_date`` (``acme replay --start/--end``): tickets updated inside the window,
    read in small pages, and not one updated after it."""
    stamps = sorted(r["updated_at"] for r in clean_run.records("tickets"))
    start, end = stamps[len(stamps) // 3], stamps[2 * len(stamps) // 3]
    window = tap_runner(tap_config(zendesk_sandbox_url, start_date=start, end_date=end, export_page_size=7))
    inside = {r["id"] for r in clean_run.records("tickets") if start <= r["updated_at"] < end}
    read = [r["id"] for r in window.records("tickets")]
    assert inside, "the window must hold tickets"
    assert sorted(read) == sorted(inside)
    assert all(r["updated_at"] < end for r in window.records("users"))
