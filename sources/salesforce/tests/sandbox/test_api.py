"""The sandbox answers like Salesforce: OAuth, query/queryAll pages, describe, limits, Bulk API 2.0, errors."""

from __future__ import annotations

import typing as t

import pytest
import requests
from acme_world import World
from salesforce_sandbox import SandboxSettings, run_in_thread, tap_env
from salesforce_sandbox.errors import SalesforceError
from salesforce_sandbox.soql import canonical_datetime, parse

DATA = "/services/data/v62.0"
Start = t.Callable[..., t.Any]


def _login(url: str, **overrides: str) -> requests.Response:
    settings = SandboxSettings()
    form = {
        "grant_type": "refresh_token",
        "client_id": settings.client_id,
        "client_secret": settings.client_secret,
        "refresh_token": settings.refresh_token,
        **overrides,
    }
    return requests.post(f"{url}/services/oauth2/token", data=form, timeout=10)


class Api:
    """A logged-in client of one sandbox."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + _login(url).json()["access_token"]

    def get(self, path: str, **params: t.Any) -> requests.Response:
        return self.session.get(self.url + path, params=params, timeout=10)

    def query(self, soql: str, route: str = "queryAll") -> requests.Response:
        return self.get(f"{DATA}/{route}", q=soql)


@pytest.fixture(scope="module")
def api(world: World) -> t.Iterator[Api]:
    with run_in_thread(world, SandboxSettings(query_page_size=100, recycle_bin_days=None)) as sandbox:
        yield Api(sandbox.url)


def test_oauth_token_and_its_errors(sandbox_url: str) -> None:
    body = _login(sandbox_url).json()
    assert set(body) == {"access_token", "instance_url", "id", "token_type", "issued_at", "signature"}
    assert body["instance_url"] == sandbox_url
    assert body["token_type"] == "Bearer"  # noqa: S105
    wrong = _login(sandbox_url, client_secret="nope")  # noqa: S106
    assert wrong.status_code == 400
    assert wrong.json() == {"error": "invalid_client", "error_description": "invalid client credentials"}
    assert _login(sandbox_url, grant_type="client_credentials").status_code == 200
    assert _login(sandbox_url, refresh_token="stale").json()["error"] == "invalid_grant"  # noqa: S106
    assert _login(sandbox_url, client_id="other").json()["error"] == "invalid_client_id"


def test_api_needs_a_valid_token(sandbox_url: str) -> None:
    response = requests.get(f"{sandbox_url}{DATA}/limits", headers={"Authorization": "Bearer nope"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]


def test_query_pages_queryall_deletes_and_the_limit_header(api: Api) -> None:
    soql = "SELECT Id, IsDeleted, SystemModstamp FROM Contact ORDER BY SystemModstamp, Id"
    first = api.query(soql)
    body = first.json()
    assert first.headers["Sforce-Limit-Info"].startswith("api-usage=")
    assert (len(body["records"]), body["done"]) == (100, False)
    assert body["records"][0]["attributes"]["type"] == "Contact"
    assert body["nextRecordsUrl"].startswith(f"{DATA}/queryAll/01g")
    rows = list(body["records"])
    while not body["done"]:
        body = api.get(body["nextRecordsUrl"]).json()
        rows += body["records"]
    assert len(rows) == body["totalSize"]
    assert [(r["SystemModstamp"], r["Id"]) for r in rows] == sorted((r["SystemModstamp"], r["Id"]) for r in rows)
    live = api.query("SELECT COUNT() FROM Contact", route="query").json()["totalSize"]
    assert live == sum(not r["IsDeleted"] for r in rows) < len(rows)


def test_recycle_bin_is_purged_after_15_days(api: Api, sandbox_url: str) -> None:
    soql = "SELECT COUNT() FROM Contact WHERE IsDeleted = true"
    kept_for_ever = api.query(soql).json()["totalSize"]
    purged = Api(sandbox_url).query(soql).json()["totalSize"]  # default settings: 15 days
    assert kept_for_ever > purged


def test_batch_size_header_is_clamped_to_salesforce_bounds(api: Api) -> None:
    response = api.session.get(
        f"{api.url}{DATA}/query",
        params={"q": "SELECT Id FROM Contact"},
        headers={"Sforce-Query-Options": "batchSize=5"},
        timeout=10,
    )
    assert len(response.json()["records"]) == 100  # at least 200 in Salesforce; capped by query_page_size


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT Id FROM Contact GROUP BY Id", "MALFORMED_QUERY"),
        ("SELECT Account.Name FROM Contact", "MALFORMED_QUERY"),
        ("SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS:3", "MALFORMED_QUERY"),
        ("SELECT Nope FROM Contact", "INVALID_FIELD"),
        ("SELECT Id FROM Lead", "INVALID_TYPE"),
    ],
)
def test_unsupported_or_wrong_soql_is_refused(api: Api, soql: str, code: str) -> None:
    response = api.query(soql)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_soql_subset_parses_the_tap_cursor_condition() -> None:
    query = parse(
        "SELECT Id, SystemModstamp FROM Account WHERE (SystemModstamp > 2024-03-01T10:00:00Z OR "
        "(SystemModstamp = 2024-03-01T10:00:00Z AND Id > '001A')) ORDER BY SystemModstamp, Id LIMIT 5"
    )
    assert (query.sobject, query.fields, query.limit) == ("Account", ["Id", "SystemModstamp"], 5)
    assert query.order_by == [("SystemModstamp", False), ("Id", False)]
    assert canonical_datetime("2024-03-01T12:00:00+02:00") == "2024-03-01T10:00:00.000+0000"
    with pytest.raises(SalesforceError):
        parse("SELECT Id FROM Account OFFSET 5")


def test_describe_lists_custom_fields_and_the_drift_switch_adds_one(world: World) -> None:
    with run_in_thread(world, SandboxSettings()) as sandbox:
        api = Api(sandbox.url)
        names = [f["name"] for f in api.get(f"{DATA}/sobjects/Account/describe").json()["fields"]]
        assert {"Stripe_Customer_Id__c", "Days_Since_Last_Activity__c"} <= set(names)
        assert "Health_Score__c" not in names
        switched = requests.post(f"{sandbox.url}/_sandbox/schema", json={"health_score_after_hours": 0}, timeout=60)
        assert switched.json() == {"health_score_after_hours": 0, "account_has_health_score": True}
        names = [f["name"] for f in api.get(f"{DATA}/sobjects/Account/describe").json()["fields"]]
        assert names[-1] == "Health_Score__c"
        assert sandbox.state.settings.health_score_after_hours == 0


def test_formula_field_follows_the_clock_without_a_modstamp_change(world: World) -> None:
    with run_in_thread(world, SandboxSettings()) as sandbox:
        api = Api(sandbox.url)
        soql = "SELECT Id, SystemModstamp, Days_Since_Last_Activity__c FROM Account WHERE LastActivityDate != null"
        before = {r["Id"]: r for r in api.query(soql).json()["records"]}
        requests.post(f"{sandbox.url}/_sandbox/advance", json={"days": 1}, timeout=10)
        after = {r["Id"]: r for r in api.query(soql).json()["records"]}
        same = [i for i in before if i in after and after[i]["SystemModstamp"] == before[i]["SystemModstamp"]]
        assert same
        for record_id in same:
            days = after[record_id]["Days_Since_Last_Activity__c"]
            assert days == before[record_id]["Days_Since_Last_Activity__c"] + 1


def test_daily_quota_and_token_expiry(start_sandbox: Start) -> None:
    sandbox = start_sandbox(daily_api_limit=3, token_max_uses=2)
    api = Api(sandbox.url)
    assert api.get(f"{DATA}/limits").headers["Sforce-Limit-Info"] == "api-usage=1/3"
    assert api.get(f"{DATA}/limits").status_code == 200
    assert api.get(f"{DATA}/limits").status_code == 401  # the token is used up
    api = Api(sandbox.url)
    assert api.get(f"{DATA}/limits").status_code == 200
    exhausted = api.get(f"{DATA}/limits")
    assert exhausted.status_code == 403
    assert exhausted.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"
    assert exhausted.headers["Sforce-Limit-Info"] == "api-usage=3/3"


def test_bulk_query_job_pages_with_locators(api: Api) -> None:
    job = api.session.post(
        f"{api.url}{DATA}/jobs/query",
        json={"operation": "queryAll", "query": "SELECT Id, IsDeleted, SystemModstamp FROM Contact"},
        timeout=10,
    ).json()
    assert job["state"] == "UploadComplete"
    info = api.get(f"{DATA}/jobs/query/{job['id']}").json()
    assert info["state"] == "InProgress"
    info = api.get(f"{DATA}/jobs/query/{job['id']}").json()
    assert info["state"] == "JobComplete"
    rows: list[str] = []
    locator = None
    while True:
        params = {"maxRecords": 100, **({"locator": locator} if locator else {})}
        page = api.get(f"{DATA}/jobs/query/{job['id']}/results", **params)
        lines = page.text.splitlines()
        assert lines[0] == '"Id","IsDeleted","SystemModstamp"'
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(lines) - 1
        rows += lines[1:]
        locator = page.headers["Sforce-Locator"]
        if locator == "null":
            break
    assert len(rows) == info["numberRecordsProcessed"]
    assert rows[0].endswith('Z"')  # Bulk API writes datetimes with Z


def test_query_timeout_rest_and_bulk(start_sandbox: Start) -> None:
    sandbox = start_sandbox(query_timeout_objects=("Account",))
    api = Api(sandbox.url)
    response = api.query("SELECT Id FROM Account")
    assert (response.status_code, response.json()[0]["errorCode"]) == (400, "QUERY_TIMEOUT")
    job = api.session.post(
        f"{api.url}{DATA}/jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}, timeout=10
    ).json()
    api.get(f"{DATA}/jobs/query/{job['id']}")
    info = api.get(f"{DATA}/jobs/query/{job['id']}").json()
    assert info["state"] == "Failed"
    assert info["errorMessage"].startswith("QUERY_TIMEOUT")
    # the trap: a client that does not check the job state sees 200 and no rows
    results = api.get(f"{DATA}/jobs/query/{job['id']}/results")
    assert (results.status_code, results.headers["Sforce-NumberOfRecords"], results.text) == (200, "0", '"Id"\n')


def test_main_job_conventions(world: World) -> None:
    settings = SandboxSettings(start_clock=int(world.anchor.timestamp()) + 3600)
    with run_in_thread(world, settings) as sandbox:
        assert sandbox.state.settings is settings
        env = tap_env(sandbox.url, sandbox.state.settings)
        assert env["TAP_SALESFORCE_API_URL"] == sandbox.url
        assert _login(sandbox.url, client_secret=env["TAP_SALESFORCE_CLIENT_SECRET"]).status_code == 200
        clock = requests.get(f"{sandbox.url}/_sandbox/clock", timeout=10).json()
        assert clock["clock"] == clock["anchor"] + 3600
