"""Credential errors, retries under injected faults, full reloads, records, PII, logs, template files."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import requests
from singer_sdk.exceptions import RetriableAPIError
from tap_zendesk.tap import TapZendesk
from zendesk_sandbox import SandboxSettings

STREAMS = {"organizations", "users", "tickets", "ticket_comments"}
REPO = Path(__file__).resolve().parents[3]
TEMPLATE_OWNED = ("base.py", "settings.py", "throttle.py", "logs.py", "concurrent_windows.py")


def test_wrong_token_exits_nonzero_before_any_state(zendesk_sandbox_url: str, tmp_path: Path) -> None:
    config = tmp_path / "config.json"
    settings = SandboxSettings()
    config.write_text(json.dumps({"api_url": zendesk_sandbox_url, "email": settings.email, "api_token": "wrong"}))
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"bookmarks": {"tickets": {"cursor": "MTcwMDAwMDAwMC4x"}}}))
    proc = subprocess.run(
        [sys.executable, "-m", "tap_zendesk", "--config", str(config), "--state", str(state)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode != 0
    expected = (
        "zendesk: the API rejected the credentials (HTTP 401); check setting `api_token` (env TAP_ZENDESK_API_TOKEN)"
    )
    assert expected in proc.stderr
    assert "`email` (env TAP_ZENDESK_EMAIL)" in proc.stderr
    assert "STATE" not in proc.stdout
    assert "RECORD" not in proc.stdout


def test_faults_are_retried_and_the_records_match_a_clean_run(
    clean_run: t.Any,
    start_zendesk_sandbox: t.Callable,
    tap_runner: t.Callable,
    tap_config: t.Callable,
    sandbox_stats: t.Callable,
) -> None:
    sandbox = start_zendesk_sandbox(
        seed=3,
        error_rate=0.08,
        truncated_rate=0.08,
        timeout_rate=0.02,
        timeout_seconds=2,
        fail_first_n_requests={"/api/v2/incremental/tickets/cursor.json": 1},
        fail_first_status=503,
    )
    faulty = tap_runner(tap_config(sandbox.url, request_timeout_seconds=1, max_retries=8, export_page_size=40))
    for stream in STREAMS:
        assert faulty.by_key(stream) == clean_run.by_key(stream), stream
    injected = sandbox_stats(sandbox.url)["faults_injected"]
    for kind in ("error_5", "truncated", "timeout"):
        assert any(name.startswith(kind) for name in injected), f"no {kind} fault was injected: {injected}"


def test_full_reload_reads_everything_and_activates_versions(
    clean_run: t.Any, zendesk_sandbox_url: str, tap_runner: t.Callable, tap_config: t.Callable
) -> None:
    full = tap_runner(tap_config(zendesk_sandbox_url, full_reload=True), state=clean_run.final_state)
    for stream in STREAMS:
        assert full.by_key(stream) == clean_run.by_key(stream), stream
    versions = full.of_type("ACTIVATE_VERSION")
    for stream in STREAMS:
        mine = [m for m in versions if m["stream"] == stream]
        assert len(mine) == 2, f"{stream}: one opening and one closing ACTIVATE_VERSION"
        assert len({m["version"] for m in mine}) == 1
    for bookmark in full.final_state["bookmarks"].values():
        assert "replication_key_value" not in bookmark
        assert "cursor" not in bookmark
        assert "end_time" not in bookmark
    assert not clean_run.of_type("ACTIVATE_VERSION")


def test_schemas_are_sent_once_and_state_has_the_export_positions(clean_run: t.Any) -> None:
    assert sorted(m["stream"] for m in clean_run.of_type("SCHEMA")) == sorted(STREAMS)
    bookmarks = clean_run.final_state["bookmarks"]
    assert set(bookmarks["tickets"]) == {"replication_key", "replication_key_value", "cursor"}
    assert set(bookmarks["users"]) == {"replication_key", "replication_key_value", "cursor"}
    assert set(bookmarks["organizations"]) == {"replication_key", "replication_key_value", "end_time"}
    assert bookmarks["ticket_comments"] == {}
    # one STATE per export page and at the end, not one per ticket
    assert len(clean_run.of_type("STATE")) < 20


def test_records_are_the_api_objects_and_deletes_are_flagged(
    clean_run: t.Any, zendesk_world: t.Any, zendesk_sandbox_url: str
) -> None:
    anchor = int(zendesk_world.anchor.timestamp())
    latest: dict[tuple[str, int], dict[str, t.Any]] = {}
    for version in zendesk_world.zendesk.versions:
        if version.valid_from <= anchor - 60:
            latest[(version.resource, int(version.id))] = version.body
    for stream, resource in (("tickets", "ticket"), ("users", "user"), ("organizations", "organization")):
        records = clean_run.records(stream)
        assert len(records) == sum(1 for r, _ in latest if r == resource), stream
        for record in records:
            body = latest[(resource, record["id"])]
            assert {k: v for k, v in record.items() if k != "_sdc_deleted_at"} == body
            deleted = body.get("status") == "deleted" or bool(body.get("deleted_at"))
            assert ("_sdc_deleted_at" in record) is deleted
    deleted_tickets = {r["id"] for r in clean_run.records("tickets") if r["status"] == "deleted"}
    assert deleted_tickets
    comments = clean_run.records("ticket_comments")
    assert not {c["ticket_id"] for c in comments} & deleted_tickets, "deleted tickets have no comments to read"
    live = {(int(b["ticket_id"]), i) for (r, i), b in latest.items() if r == "ticket_comment"}
    live = {(ticket, comment) for ticket, comment in live if ticket not in deleted_tickets}
    assert {(c["ticket_id"], c["id"]) for c in comments} == live
    assert len(comments) == len(live)


def test_properties_missing_from_the_schema_are_kept() -> None:
    tap = TapZendesk(config={"api_token": "x", "email": "a@b.c"}, parse_env_config=False)
    stream = tap.streams["organizations"]
    record = {"id": 1, "updated_at": "2025-01-01T00:00:00Z", "brand_new_field": {"nested": [1, 2]}}
    [message] = list(stream._generate_record_messages(dict(record)))
    assert message.record["brand_new_field"] == {"nested": [1, 2]}


def test_every_stream_declares_its_pii() -> None:
    tap = TapZendesk(config={"api_token": "x", "email": "a@b.c"}, parse_env_config=False)
    pii = {name: stream.pii_properties for name, stream in tap.streams.items()}  # type: ignore[attr-defined]
    assert set(pii) == STREAMS
    assert {"name", "email", "phone"} <= set(pii["users"])
    assert {"subject", "description"} <= set(pii["tickets"])
    assert {"body", "html_body", "plain_body"} <= set(pii["ticket_comments"])
    for name, stream in tap.streams.items():
        assert set(pii[name]) <= set(stream.schema["properties"]), name


def test_retry_after_is_honoured_and_capped() -> None:
    tap = TapZendesk(config={"api_token": "x", "email": "a@b.c", "retry_max_wait_seconds": 30}, parse_env_config=False)
    waits = tap.streams["tickets"].backoff_wait_generator()  # type: ignore[attr-defined]
    waits.send(None)
    response = requests.Response()
    response.status_code = 429
    response.headers["Retry-After"] = "7"
    assert waits.send(RetriableAPIError("slow down", response)) == 7
    response.headers["Retry-After"] = "120"
    assert waits.send(RetriableAPIError("slow down", response)) == 30
    assert waits.send(requests.ConnectionError()) == 4.0  # 1 s doubled twice


def test_logs_carry_source_stream_and_run(
    zendesk_sandbox_url: str,
    tap_runner: t.Callable,
    tap_config: t.Callable,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ACME_RUN_ID", "run-test-42")
    with caplog.at_level(logging.INFO):
        tap_runner(tap_config(zendesk_sandbox_url))
    tagged = [r for r in caplog.records if getattr(r, "stream", None) == "tickets"]
    assert any("export done" in r.getMessage() for r in tagged)
    assert {getattr(r, "source", None) for r in tagged} == {"zendesk"}
    assert {getattr(r, "run_id", None) for r in tagged} == {"run-test-42"}


def _answers_commit() -> str:
    for line in (REPO / "sources/zendesk/.copier-answers.yml").read_text().splitlines():
        if line.startswith("_commit:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError("no _commit in .copier-answers.yml")


@pytest.mark.parametrize("module", TEMPLATE_OWNED)
def test_template_owned_modules_are_as_generated(module: str) -> None:
    """Equal to the template at the commit the source was generated from (or last updated to)."""
    path = f"template/sources/{{{{source_name}}}}/tap_{{{{source_name}}}}/{module}"
    template = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{_answers_commit()}:{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    ours = (REPO / "sources/zendesk/tap_zendesk" / module).read_text()
    assert ours == template, f"tap_zendesk/{module} drifted from the template: keep Zendesk specifics elsewhere"
