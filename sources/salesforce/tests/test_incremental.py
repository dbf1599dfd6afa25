"""Incremental reads on (SystemModstamp, Id): bookmarks, same-second ties, deletes, Bulk API, hard stops."""

from __future__ import annotations

import typing as t
from collections import Counter

import pytest
from acme_world import World
from tap_salesforce.errors import ApiShareExceededError, QueryTimeoutError, RequestLimitExceededError

Run = t.Callable[..., t.Any]
STREAMS = ("accounts", "contacts", "opportunities", "users")


def _cursor(record: dict[str, t.Any]) -> tuple[str, str]:
    return record["SystemModstamp"], record["Id"]


def _bookmarks(state: dict[str, t.Any]) -> dict[str, t.Any]:
    return state.get("bookmarks", {})


def test_state_keeps_modstamp_and_id_and_the_next_run_starts_after_them(
    clean_run: t.Any, start_sandbox: Run, tap_runner: Run, tap_config: Run, sandbox_admin: Run
) -> None:
    for stream in STREAMS:
        newest = max(_cursor(r) for r in clean_run.records(stream))
        assert _bookmarks(clean_run.final_state)[stream] == {
            "replication_key": "SystemModstamp",
            "replication_key_value": newest[0],
            "replication_key_id": newest[1],
        }
    sandbox = start_sandbox()
    unchanged = tap_runner(tap_config(sandbox.url), state=clean_run.final_state)
    assert unchanged.records() == []
    assert unchanged.final_state == clean_run.final_state

    sandbox_admin(sandbox.url, "advance", hours=12)
    delta = tap_runner(tap_config(sandbox.url), state=clean_run.final_state)
    assert delta.records()
    for stream in STREAMS:
        bookmark = _bookmarks(clean_run.final_state)[stream]
        after = (bookmark["replication_key_value"], bookmark["replication_key_id"])
        assert all(_cursor(r) > after for r in delta.records(stream)), stream


def test_records_sharing_a_second_across_a_page_boundary_are_all_loaded(
    clean_run: t.Any, sandbox_url: str, tap_runner: Run, tap_config: Run
) -> None:
    contacts = sorted(clean_run.records("contacts"), key=_cursor)
    second, size = Counter(r["SystemModstamp"] for r in contacts).most_common(1)[0]
    assert size > 14, "the world should hold a bulk import of contacts in one second"

    # slices of 7 records: several slice boundaries fall inside that second
    paged = tap_runner(tap_config(sandbox_url, page_size=7))
    assert paged.by_id("contacts") == clean_run.by_id("contacts")

    # a bookmark in the middle of the second: the rest of the second still comes
    tied = [r for r in contacts if r["SystemModstamp"] == second]
    middle = tied[size // 2]
    state = {
        "bookmarks": {
            "contacts": {
                "replication_key": "SystemModstamp",
                "replication_key_value": second,
                "replication_key_id": middle["Id"],
            }
        }
    }
    resumed = tap_runner(tap_config(sandbox_url, page_size=7), state=state)
    expected = {r["Id"] for r in contacts if _cursor(r) > _cursor(middle)}
    got = {r["Id"] for r in resumed.records("contacts")}
    assert got == expected
    assert {r["Id"] for r in tied[size // 2 + 1 :]} <= got  # a `SystemModstamp > bookmark` filter loses these


def _deleted_account(world: World) -> tuple[str, int]:
    live: dict[str, bool] = {}
    for version in world.salesforce.versions:
        if version.resource != "Account":
            continue
        if version.body["IsDeleted"] and live.get(version.id):
            return version.id, version.valid_from
        live[version.id] = not version.body["IsDeleted"]
    raise AssertionError("the world should delete an account")


def test_a_record_deleted_in_salesforce_arrives_flagged_deleted(
    world: World, start_sandbox: Run, tap_runner: Run, tap_config: Run, sandbox_admin: Run
) -> None:
    account_id, deleted_at = _deleted_account(world)
    sandbox = start_sandbox(start_clock=deleted_at - 3600)
    before = tap_runner(tap_config(sandbox.url))
    [live] = [r for r in before.records("accounts") if r["Id"] == account_id]
    assert live["IsDeleted"] is False
    assert live["_sdc_deleted_at"] is None

    sandbox_admin(sandbox.url, "advance", hours=2)
    after = tap_runner(tap_config(sandbox.url), state=before.final_state)
    [gone] = [r for r in after.records("accounts") if r["Id"] == account_id]
    assert gone["IsDeleted"] is True
    assert gone["_sdc_deleted_at"] == gone["SystemModstamp"] > live["SystemModstamp"]


def test_bulk_api_reads_the_same_records_as_rest(
    clean_run: t.Any, start_sandbox: Run, tap_runner: Run, tap_config: Run, sandbox_stats: Run
) -> None:
    sandbox = start_sandbox(bulk_polls_until_complete=2, bulk_results_page_records=100)
    bulk = tap_runner(tap_config(sandbox.url, bulk_threshold=0, bulk_page_records=40))
    for stream in STREAMS:
        assert bulk.by_id(stream) == clean_run.by_id(stream), stream
    assert bulk.final_state == clean_run.final_state
    paths = sandbox_stats(sandbox.url)["by_path"]
    assert paths["/services/data/v62.0/jobs/query"] == {"200": 2}  # accounts and contacts
    assert paths["/services/data/v62.0/jobs/query/{id}/results"]["200"] > 2  # Sforce-Locator pages


@pytest.mark.parametrize("api", ["rest", "bulk"])
def test_query_timeout_fails_the_run_and_leaves_the_state(
    api: str, clean_run: t.Any, start_sandbox: Run, tap_runner: Run, tap_config: Run, sandbox_admin: Run
) -> None:
    sandbox = start_sandbox(query_timeout_objects=("Contact",))
    sandbox_admin(sandbox.url, "advance", hours=12)
    config = tap_config(sandbox.url, bulk_threshold=0 if api == "bulk" else 10_000)
    with pytest.raises(QueryTimeoutError) as failure:
        tap_runner(config, state=clean_run.final_state)
    message = str(failure.value)
    assert message.startswith("salesforce: stream contacts: ")
    assert "QUERY_TIMEOUT" in message
    assert "state was left where it was" in message
    run = failure.value.tap_run  # type: ignore[attr-defined]
    assert not run.records("contacts")
    for state in run.of_type("STATE"):
        assert _bookmarks(state["value"])["contacts"] == _bookmarks(clean_run.final_state)["contacts"]


def test_run_stops_before_passing_the_allowed_share_of_the_daily_api_quota(
    start_sandbox: Run, tap_runner: Run, tap_config: Run, sandbox_stats: Run
) -> None:
    sandbox = start_sandbox(daily_api_limit=100, api_usage_start=45)
    with pytest.raises(ApiShareExceededError) as failure:
        tap_runner(tap_config(sandbox.url, max_api_usage_share=0.5))
    message = str(failure.value)
    assert message.startswith("salesforce: stream accounts: stopping before the org's API usage passes")
    assert "max_api_usage_share=0.5" in message
    assert "api-usage=50/100" in message
    assert not failure.value.tap_run.of_type("STATE")  # type: ignore[attr-defined]
    assert sandbox_stats(sandbox.url)["api_usage"] == {"used": 50, "limit": 100}


def test_exhausted_daily_quota_fails_the_run_loudly(start_sandbox: Run, tap_runner: Run, tap_config: Run) -> None:
    sandbox = start_sandbox(daily_api_limit=100, api_usage_start=98)
    with pytest.raises(RequestLimitExceededError, match=r"REQUEST_LIMIT_EXCEEDED.*api-usage=100/100"):
        tap_runner(tap_config(sandbox.url, max_api_usage_share=1))


def test_a_catalog_made_before_a_new_field_does_not_hide_it(
    start_sandbox: Run, tap_config: Run, sandbox_admin: Run
) -> None:
    import contextlib
    import io
    import json

    from tap_salesforce.tap import TapSalesforce

    sandbox = start_sandbox()
    config = tap_config(sandbox.url)
    catalog = TapSalesforce(config=config, parse_env_config=False).catalog_dict
    for entry in catalog["streams"]:
        for item in entry["metadata"]:
            if item["breadcrumb"] == []:
                item["metadata"]["selected"] = entry["tap_stream_id"] == "accounts"
    sandbox_admin(sandbox.url, "schema", health_score_after_hours=-2)  # deployed and scored before the clock
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        TapSalesforce(config=config, catalog=catalog, parse_env_config=False).sync_all()
    messages = [json.loads(line) for line in out.getvalue().splitlines()]
    [schema] = [m for m in messages if m["type"] == "SCHEMA"]
    assert schema["stream"] == "accounts"
    assert "Health_Score__c" in schema["schema"]["properties"]
    scores = [m["record"]["Health_Score__c"] for m in messages if m["type"] == "RECORD"]
    assert scores
    assert sum(score is not None for score in scores) > len(scores) / 2


def test_a_replay_window_reads_only_records_modified_inside_it(
    clean_run: t.Any, sandbox_url: str, tap_runner: t.Callable[..., t.Any], tap_config: t.Callable[..., t.Any]
) -> None:
    """``start_date`` / ``end_date`` (``acme replay --start/--end``) bound SystemModstamp on REST reads."""
    stamps = sorted(r["SystemModstamp"] for r in clean_run.records("accounts"))
    start, end = stamps[len(stamps) // 3], stamps[2 * len(stamps) // 3]
    window = tap_runner(tap_config(sandbox_url, start_date=start, end_date=end, page_size=50))
    inside = {r["Id"] for r in clean_run.records("accounts") if start <= r["SystemModstamp"] < end}
    read = [r["Id"] for r in window.records("accounts")]
    assert inside, "the window must hold accounts"
    assert sorted(read) == sorted(inside)
