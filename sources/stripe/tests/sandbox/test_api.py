"""The /v1 API over real HTTP: auth, lists, pagination, filters, retrieve, embedded lists."""

from __future__ import annotations

import base64
from typing import Any

import requests

from .conftest import DAY, A, Client


def test_missing_and_wrong_key_give_stripe_401(client: Client) -> None:
    response = requests.get(client.url + "/v1/customers", timeout=5)
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "did not provide an API key" in response.json()["error"]["message"]

    response = requests.get(
        client.url + "/v1/customers", headers={"Authorization": "Bearer sk_test_wrongkey1234"}, timeout=5
    )
    assert response.status_code == 401
    assert response.json() == {
        "error": {
            "message": "Invalid API Key provided: sk_test_********1234",
            "type": "invalid_request_error",
        }
    }
    assert response.headers["Request-Id"].startswith("req_")


def test_basic_auth_with_key_as_user(client: Client) -> None:
    token = base64.b64encode(b"sk_test_acme_sandbox:").decode()
    response = requests.get(client.url + "/v1/customers", headers={"Authorization": f"Basic {token}"}, timeout=5)
    assert response.status_code == 200
    assert response.headers["Request-Id"].startswith("req_")


def test_pagination_walks_every_customer_once_newest_first(client: Client) -> None:
    walked = client.walk("/v1/customers", limit=3)
    ids = [c["id"] for c in walked]
    assert len(ids) == len(set(ids)) == 25  # cus_0099 is deleted, cus_0100 is in the future
    keys = [(c["created"], c["id"]) for c in walked]
    assert keys == sorted(keys, reverse=True)
    # tie on created is broken by id, descending
    assert ids.index("cus_0011") == ids.index("cus_0010") - 1


def test_ending_before_walks_backwards(client: Client) -> None:
    everything = [c["id"] for c in client.walk("/v1/customers", limit=100)]
    page = client.ok("/v1/customers", limit=4, ending_before=everything[10])
    assert [c["id"] for c in page["data"]] == everything[6:10]
    assert page["has_more"] is True
    page = client.ok("/v1/customers", limit=4, ending_before=everything[2])
    assert [c["id"] for c in page["data"]] == everything[0:2]
    assert page["has_more"] is False


def test_list_object_shape_and_limits(client: Client) -> None:
    page = client.ok("/v1/customers")
    assert page["object"] == "list"
    assert page["url"] == "/v1/customers"
    assert len(page["data"]) == 10
    assert page["has_more"] is True
    too_many = client.get("/v1/customers", limit=101)
    assert too_many.status_code == 400
    assert too_many.json()["error"]["param"] == "limit"
    assert client.get("/v1/customers", limit=0).status_code == 400
    assert len(client.ok("/v1/customers", limit=100, unknown_param="x")["data"]) == 25


def test_created_filters(client: Client) -> None:
    def ids(**params: Any) -> set[str]:
        return {c["id"] for c in client.walk("/v1/customers", limit=100, **params)}

    assert ids(**{"created[gte]": A - 6 * DAY}) == {"cus_0001", "cus_0002", "cus_0003"}
    assert ids(**{"created[gt]": A - 6 * DAY}) == {"cus_0001", "cus_0002"}
    assert ids(**{"created[lt]": A - 48 * DAY}) == {"cus_0025"}
    assert ids(**{"created[lte]": A - 48 * DAY}) == {"cus_0024", "cus_0025"}
    assert ids(created=A - 20 * DAY) == {"cus_0010", "cus_0011"}
    both = {"created[gte]": A - 8 * DAY, "created[lt]": A - 4 * DAY}
    assert ids(**both) == {"cus_0003", "cus_0004"}
    bad = client.get("/v1/customers", **{"created[gte]": "yesterday"})
    assert bad.status_code == 400


def test_subscriptions_exclude_canceled_by_default(client: Client) -> None:
    default = {s["id"] for s in client.walk("/v1/subscriptions")}
    assert default == {"sub_1", "sub_2", "sub_4", "sub_6"}
    assert {s["id"] for s in client.walk("/v1/subscriptions", status="all")} == {f"sub_{i}" for i in range(1, 7)}
    assert {s["id"] for s in client.walk("/v1/subscriptions", status="canceled")} == {"sub_3", "sub_5"}
    assert {s["id"] for s in client.walk("/v1/subscriptions", customer="cus_0002")} == {"sub_2"}
    assert client.ok("/v1/subscriptions", customer="cus_0003")["data"] == []
    assert client.ok("/v1/subscriptions", customer="cus_0003", status="all")["data"][0]["id"] == "sub_3"


def test_customer_filter_on_invoices_and_charges(client: Client) -> None:
    invoices = client.walk("/v1/invoices", customer="cus_0002", limit=1)
    assert {i["id"] for i in invoices} == {"in_1", "in_4", "in_7"}
    assert {i["id"] for i in client.walk("/v1/invoices", status="open")} == {"in_2", "in_4", "in_6", "in_8"}
    assert len(client.walk("/v1/charges", customer="cus_0001", limit=2)) == 5
    assert [r["id"] for r in client.walk("/v1/refunds", charge="ch_1")] == ["re_1"]
    assert [p["id"] for p in client.walk("/v1/prices", product="prod_2")] == ["price_2"]
    assert [p["id"] for p in client.walk("/v1/products", active="true")] == ["prod_1"]


def test_retrieve_and_deleted_customer(client: Client) -> None:
    assert client.ok("/v1/customers/cus_0001")["name"] == "Customer 1"
    assert client.ok("/v1/customers/cus_0099") == {"id": "cus_0099", "object": "customer", "deleted": True}
    missing = client.get("/v1/customers/cus_nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "resource_missing"
    assert missing.json()["error"]["type"] == "invalid_request_error"
    assert client.get("/v1/charges/ch_404").status_code == 404
    assert client.get("/v1/customers/cus_0100").status_code == 404  # not yet created
    assert client.get("/v1/nonsense").status_code == 404
    # a deleted customer's id still works as a cursor
    page = client.ok("/v1/customers", starting_after="cus_0099", limit=100)
    assert [c["id"] for c in page["data"]] == ["cus_0025"]  # same created, smaller id


def test_embedded_lists_and_their_endpoints(client: Client) -> None:
    sub = client.ok("/v1/subscriptions/sub_1")
    assert len(sub["items"]["data"]) == 10
    assert sub["items"]["has_more"] is True
    assert sub["items"]["url"] == "/v1/subscription_items?subscription=sub_1"
    items = client.walk("/v1/subscription_items", subscription="sub_1", limit=5)
    assert [i["id"] for i in items] == [f"si_1_{j:02d}" for j in range(12)]
    assert client.get("/v1/subscription_items").status_code == 400
    assert client.ok("/v1/subscription_items/si_1_11")["id"] == "si_1_11"

    invoice = next(i for i in client.ok("/v1/invoices", limit=100)["data"] if i["id"] == "in_1")
    assert len(invoice["lines"]["data"]) == 10
    assert invoice["lines"]["has_more"] is True
    assert invoice["lines"]["url"] == "/v1/invoices/in_1/lines"
    lines = client.walk("/v1/invoices/in_1/lines", limit=4)
    assert [line["id"] for line in lines] == [f"il_1_{j:02d}" for j in range(15)]
    assert client.get("/v1/invoices/in_999/lines").status_code == 404


def test_events_retention_and_type_filters(client: Client) -> None:
    events = client.walk("/v1/events", limit=100)
    assert events, "events are listed"
    assert all(A - 30 * DAY <= e["created"] <= A for e in events)
    assert {e["data"]["object"]["id"] for e in events if e["type"] == "customer.created"} == {
        f"cus_{i:04d}" for i in range(1, 16)
    }
    keys = [(e["created"], e["id"]) for e in events]
    assert keys == sorted(keys, reverse=True)

    customer_star = client.walk("/v1/events", type="customer.*", limit=100)
    assert {e["type"] for e in customer_star} == {
        "customer.created",
        "customer.deleted",
        "customer.subscription.created",
    }
    subs = client.walk("/v1/events", type="customer.subscription.*")
    assert {e["type"] for e in subs} == {"customer.subscription.created"}
    exact = client.walk("/v1/events", **{"types[]": ["invoice.created", "charge.refunded"]})
    assert {e["type"] for e in exact} == {"invoice.created", "charge.refunded"}
    retrieved = client.ok(f"/v1/events/{events[0]['id']}")
    assert retrieved == events[0]
