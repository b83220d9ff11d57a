"""Object Query: paging, filters, sort, expand, fields, and what watermarks depend on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from .conftest import Zuora, account_body, post_json


@pytest.fixture
def seeded_api(seeded: Zuora) -> Any:
    with seeded.client() as client:
        yield client


def _all(client: httpx.Client, path: str, params: dict[str, Any]) -> list[list[dict[str, Any]]]:
    pages, cursor = [], None
    while True:
        body = client.get(path, params={**params, **({"cursor": cursor} if cursor else {})})
        assert body.status_code == 200, body.text
        data = body.json()
        pages.append(data["data"])
        cursor = data.get("nextPage")
        if cursor is None:
            assert "nextPage" not in data
            return pages


def test_paging_120_accounts_in_pages_of_50(seeded_api: httpx.Client) -> None:
    params = {"pageSize": 50, "sort[]": "updateddate.ASC"}
    pages = _all(seeded_api, "/object-query/accounts", params)
    assert [len(p) for p in pages] == [50, 50, 20]
    rows = [r for p in pages for r in p]
    assert len({r["id"] for r in rows}) == 120
    stamps = [r["updatedDate"] for r in rows]
    assert stamps == sorted(stamps)


def test_default_page_size_is_10(seeded_api: httpx.Client) -> None:
    body = seeded_api.get("/object-query/accounts").json()
    assert len(body["data"]) == 10 and body["nextPage"]


@pytest.mark.parametrize("size", ["0", "51", "ten"])
def test_page_size_out_of_range_is_400(seeded_api: httpx.Client, size: str) -> None:
    response = seeded_api.get("/object-query/accounts", params={"pageSize": size})
    assert response.status_code == 400
    assert response.json()["reasons"][0]["code"] == 50080027


def _ids(client: httpx.Client, obj: str, *filters: str, **extra: Any) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"pageSize": 50, "filter[]": list(filters), **extra}
    return [r for page in _all(client, f"/object-query/{obj}", params) for r in page]


def test_filters(seeded_api: httpx.Client, seeded: Zuora) -> None:
    accounts = list(seeded.store.table("accounts").values())
    eur = [a for a in accounts if a["currency"] == "EUR"]
    assert len(_ids(seeded_api, "accounts", "currency.EQ:EUR")) == len(eur)
    assert len(_ids(seeded_api, "accounts", "CURRENCY.ne:EUR")) == len(accounts) - len(eur)
    some = [a["accountNumber"] for a in accounts[:3]]
    rows = _ids(seeded_api, "accounts", f"accountNumber.IN:[{','.join(some)}]")
    assert sorted(r["accountNumber"] for r in rows) == sorted(some)
    prefix = accounts[0]["name"][:3]
    assert all(
        r["name"].startswith(prefix) for r in _ids(seeded_api, "accounts", f"name.SW:{prefix}")
    )
    never = [a for a in accounts if a.get("lastInvoiceDate") is None]
    assert len(_ids(seeded_api, "accounts", "lastinvoicedate.EQ:null")) == len(never)
    before = _ids(seeded_api, "accounts", "lastInvoiceDate.LT:2024-06-01", "status.EQ:Active")
    assert before and all(r["lastInvoiceDate"] < "2024-06-01" for r in before)
    assert all(r["status"] == "Active" for r in before)
    big = _ids(seeded_api, "invoices", "amount.GT:1000")
    assert big and all(r["amount"] > 1000 for r in big)


def test_updated_date_filter_and_sort(seeded_api: httpx.Client, seeded: Zuora) -> None:
    stamps = sorted(a["updatedDate"] for a in seeded.store.table("accounts").values())
    pivot = stamps[60]
    text = pivot.strftime("%Y-%m-%dT%H:%M:%S.") + f"{pivot.microsecond // 1000:03d}Z"
    rows = _ids(seeded_api, "accounts", f"updateddate.GE:{text}", **{"sort[]": "updatedDate.ASC"})
    assert len(rows) == 60
    assert rows[0]["updatedDate"] == text
    desc = _ids(seeded_api, "accounts", f"updatedDate.GT:{text}", **{"sort[]": "updateddate.DESC"})
    assert [r["id"] for r in desc] == [r["id"] for r in reversed(rows[1:])]


@pytest.mark.parametrize(
    "params",
    [
        {"filter[]": "currency=EUR"},
        {"filter[]": "nosuchfield.EQ:1"},
        {"filter[]": "updateddate.GE:yesterday"},
        {"sort[]": ["name.ASC", "id.ASC"]},
        {"sort[]": "name.UP"},
        {"expand[]": "subscriptions"},
        {"cursor": "garbage"},
    ],
)
def test_bad_query_parameters_are_400(seeded_api: httpx.Client, params: dict[str, Any]) -> None:
    response = seeded_api.get("/object-query/accounts", params=params)
    assert response.status_code == 400
    assert response.json()["reasons"][0]["code"] % 100 == 27


def test_cursor_belongs_to_its_query(seeded_api: httpx.Client) -> None:
    cursor = seeded_api.get("/object-query/accounts", params={"pageSize": 5}).json()["nextPage"]
    other = {"pageSize": 5, "cursor": cursor, "filter[]": "currency.EQ:USD"}
    assert seeded_api.get("/object-query/accounts", params=other).status_code == 400


def test_expand_and_fields(seeded_api: httpx.Client, seeded: Zuora) -> None:
    account = next(a for a in seeded.store.table("accounts").values() if a.get("lastInvoiceDate"))
    row = seeded_api.get(
        f"/object-query/accounts/{account['accountNumber']}",
        params={"expand[]": ["billTo", "soldTo"]},
    ).json()
    assert row["billTo"]["firstName"] and row["soldTo"]["lastName"]
    assert row["lastInvoiceDate"] == account["lastInvoiceDate"]
    assert {
        "id",
        "accountNumber",
        "name",
        "currency",
        "status",
        "billCycleDay",
        "paymentTerm",
        "balance",
        "updatedDate",
    } <= row.keys()
    slim = seeded_api.get("/object-query/accounts", params={"fields[]": "name,currency"}).json()
    assert all(set(r) == {"id", "name", "currency"} for r in slim["data"])
    invoices = seeded_api.get(
        "/object-query/invoices", params={"expand[]": "invoiceitems", "pageSize": 3}
    ).json()["data"]
    assert all(1 <= len(i["invoiceItems"]) <= 3 for i in invoices)


def test_null_fields_are_omitted_unless_asked(seeded_api: httpx.Client, seeded: Zuora) -> None:
    account = next(a for a in seeded.store.table("accounts").values() if a.get("crmId") is None)
    path = f"/object-query/accounts/{account['id']}"
    assert "crmId" not in seeded_api.get(path).json()
    assert seeded_api.get(path, params={"includeNullFields": "true"}).json()["crmId"] is None


def test_updated_date_strictly_increases_with_millisecond_precision(
    zuora: Zuora, api: httpx.Client
) -> None:
    ids = [post_json(api, "/v1/accounts", account_body()).json()["accountId"] for _ in range(5)]
    stamps = [api.get(f"/object-query/accounts/{i}").json()["updatedDate"] for i in ids]
    assert all(len(s) == len("2024-01-01T00:00:00.000Z") for s in stamps)
    parsed = [datetime.fromisoformat(s) for s in stamps]
    assert parsed == sorted(set(parsed))


def test_records_updated_while_paging_are_not_skipped(zuora: Zuora, api: httpx.Client) -> None:
    ids = [
        post_json(api, "/v1/accounts", account_body(Region__c="page")).json()["accountId"]
        for _ in range(6)
    ]
    params: dict[str, Any] = {
        "pageSize": 3,
        "filter[]": "Region__c.EQ:page",
        "sort[]": "updateddate.ASC",
    }
    first = api.get("/object-query/accounts", params=params).json()
    for row in first["data"]:  # a sync writing back its tracking field
        api.put(f"/v1/accounts/{row['id']}", json={"IntegrationStatus__NS": "Sync Complete"})
    seen = [r["id"] for r in first["data"]]
    cursor = first["nextPage"]
    while cursor:
        body = api.get("/object-query/accounts", params={**params, "cursor": cursor}).json()
        seen += [r["id"] for r in body["data"]]
        cursor = body.get("nextPage")
    assert set(ids) <= set(seen)
