"""Accounts over the wire: validation codes, detail and summary shapes, partial updates, the
account-number lock, and the error envelopes (200 + success:false, 400, 404)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from .conftest import (
    Zuora,
    account_body,
    exact,
    make_charge,
    make_invoice,
    post_json,
    unique,
)


def _reason(response: httpx.Response) -> int:
    body = response.json()
    assert body["success"] is False and body["processId"]
    return int(body["reasons"][0]["code"])


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"name": None}, 400, 53100022),
        ({"name": ""}, 400, 53100022),
        ({"name": "x" * 256}, 400, 53100020),
        ({"currency": "US"}, 400, 53100020),
        ({"currency": "XXX"}, 400, 53100020),
        ({"billCycleDay": 32}, 400, 53100020),
        ({"accountNumber": "N" * 51}, 400, 53100020),
        ({"paymentTerm": "Net 7"}, 400, 53100020),
        ({"colour": "red"}, 400, 53100021),
        ({"billToContact": {"firstName": "Ada"}}, 400, 53110022),
        ({"autoPay": True}, 200, 53100030),
    ],
)
def test_create_validation(
    api: httpx.Client, change: dict[str, Any], status: int, code: int
) -> None:
    body = account_body()
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = post_json(api, "/v1/accounts", body)
    assert (response.status_code, _reason(response)) == (status, code)


def test_create_and_get_detail_shape(api: httpx.Client) -> None:
    body = account_body(
        accountNumber=unique("NUM").replace(" ", "-"),
        crmId="CRM-1",
        IntegrationId__NS=None,
        SynctoNetSuite__NS="Yes",
        Region__c="EMEA",
        soldToContact={"firstName": "Grace", "lastName": "Hopper", "zipCode": "02108"},
    )
    created = post_json(api, "/v1/accounts", body).json()
    assert created["success"] is True and created["accountNumber"] == body["accountNumber"]
    assert created["billToContactId"] != created["soldToContactId"]
    detail = api.get(f"/v1/accounts/{body['accountNumber']}").json()
    assert detail["basicInfo"]["id"] == created["accountId"]
    assert detail["basicInfo"]["Region__c"] == "EMEA"
    assert detail["basicInfo"]["SynctoNetSuite__NS"] == "Yes"
    assert detail["billingAndPayment"]["currency"] == "USD"
    assert detail["billingAndPayment"]["paymentTerm"] == "Due Upon Receipt"
    assert detail["metrics"]["balance"] == 0
    assert detail["soldToContact"]["zipCode"] == "02108"
    assert "lastInvoiceDate" not in detail["basicInfo"]


def test_update_changes_only_supplied_fields(api: httpx.Client) -> None:
    created = post_json(api, "/v1/accounts", account_body(crmId="CRM-9", notes="keep")).json()
    key = created["accountId"]
    assert api.put(f"/v1/accounts/{key}", json={"crmId": "CRM-10"}).json() == {"success": True}
    info = api.get(f"/v1/accounts/{key}").json()["basicInfo"]
    assert (info["crmId"], info["notes"]) == ("CRM-10", "keep")
    assert api.put(f"/v1/accounts/{key}", json={"notes": ""}).status_code == 200
    assert api.get(f"/v1/accounts/{key}").json()["basicInfo"]["notes"] is None


def test_currency_change_is_a_business_error_on_http_200(api: httpx.Client) -> None:
    key = post_json(api, "/v1/accounts", account_body()).json()["accountId"]
    response = api.put(f"/v1/accounts/{key}", json={"currency": "EUR"})
    assert (response.status_code, _reason(response)) == (200, 53100030)


def test_unknown_account_is_a_404_envelope(api: httpx.Client) -> None:
    for path in ("/v1/accounts/nope", "/v1/accounts/nope/summary", "/object-query/accounts/x"):
        response = api.get(path)
        assert response.status_code == 404
        assert _reason(response) % 100 == 40
    response = api.put("/v1/accounts/nope", json={"name": "x"})
    assert (response.status_code, _reason(response)) == (404, 53100040)


def test_malformed_json_is_category_90(api: httpx.Client) -> None:
    response = api.post(
        "/v1/accounts", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert (response.status_code, _reason(response)) == (400, 53100090)


def test_account_number_locks_once_an_invoice_is_posted(api: httpx.Client) -> None:
    charge = make_charge(api)
    key = post_json(api, "/v1/accounts", account_body()).json()["accountId"]
    renamed = unique("RENAMED").replace(" ", "-")
    assert api.put(f"/v1/accounts/{key}", json={"accountNumber": renamed}).json()["success"]
    make_invoice(api, key, charge, 5, post=False)
    again = unique("DRAFT-OK").replace(" ", "-")
    assert api.put(f"/v1/accounts/{key}", json={"accountNumber": again}).json()["success"]
    make_invoice(api, key, charge, 7, day="2024-04-30")
    response = api.put(f"/v1/accounts/{key}", json={"accountNumber": "TOO-LATE"})
    assert (response.status_code, _reason(response)) == (200, 53100030)
    crud = api.put(f"/v1/object/account/{key}", json={"AccountNumber": "TOO-LATE"}).json()
    assert crud["Success"] is False and crud["Errors"][0]["Code"] == "TRANSACTION_FAILED"
    summary = api.get(f"/v1/accounts/{key}/summary").json()
    assert summary["basicInfo"]["lastInvoiceDate"] == "2024-04-30"
    assert summary["basicInfo"]["accountNumber"] == again
    assert summary["basicInfo"]["balance"] == 7


def test_address_change_does_not_move_the_account_updated_date(api: httpx.Client) -> None:
    key = post_json(api, "/v1/accounts", account_body()).json()["accountId"]
    before = api.get(f"/object-query/accounts/{key}", params={"expand[]": "billTo"}).json()
    api.put(f"/v1/accounts/{key}", json={"billToContact": {"city": "Paris"}})
    after = api.get(f"/object-query/accounts/{key}", params={"expand[]": "billTo"}).json()
    assert after["billTo"]["city"] == "Paris"
    assert after["updatedDate"] == before["updatedDate"]
    assert after["billTo"]["updatedDate"] > before["billTo"]["updatedDate"]


def test_response_headers(zuora: Zuora, api: httpx.Client) -> None:
    response = api.get("/object-query/accounts", headers={"Zuora-Track-Id": "trace-42"})
    assert len(response.headers["Zuora-Request-Id"]) == 36
    assert response.headers["Zuora-Track-Id"] == "trace-42"
    too_long = api.get("/object-query/accounts", headers={"Zuora-Track-Id": "t" * 65})
    assert too_long.status_code == 400


def test_decimals_round_trip_exactly(api: httpx.Client) -> None:
    charge = make_charge(api)
    key = post_json(api, "/v1/accounts", account_body()).json()["accountId"]
    amounts = [Decimal("0.10"), Decimal("0.20"), Decimal("12345678901234.5678")]
    invoice = make_invoice(api, key, charge, *amounts)
    assert invoice["amount"] == Decimal("12345678901234.8678")
    assert str(invoice["amount"]) == "12345678901234.8678"
    items = exact(api.get(f"/v1/invoices/{invoice['id']}/items"))["invoiceItems"]
    assert [str(i["chargeAmount"]) for i in items] == ["0.10", "0.20", "12345678901234.5678"]
