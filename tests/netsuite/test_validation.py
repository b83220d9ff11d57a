"""Field values, sublist merges and document applications on the emulator (raw HTTP)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from engine import jsonio

from .conftest import WRITE, Emulator, customer


def send(ns: Emulator, method: str, path: str, data: Any, **params: str) -> Any:
    response = ns.client.request(
        method,
        path,
        content=jsonio.dumps(data),
        params=params,
        headers={**WRITE, "Content-Type": "application/json"},
    )
    if response.status_code >= 400:
        return [(d["o:errorCode"], d.get("o:errorPath")) for d in response.json()["o:errorDetails"]]
    assert response.status_code == 204, response.text
    return response.headers.get("Location", "").rsplit("/", 1)[-1]


def shown(ns: Emulator, path: str) -> Any:
    return jsonio.loads_exact(ns.client.get(path, params={"expandSubResources": "true"}).content)


@pytest.fixture
def books(ns: Emulator) -> Emulator:
    """Two customers, two items and an invoice of 100.00 for customer 1."""
    send(ns, "POST", "/record/v1/customer", customer("One", externalId="C-1"))
    send(ns, "POST", "/record/v1/customer", customer("Two"))
    send(ns, "POST", "/record/v1/serviceSaleItem", {"itemId": "A", "rate": Decimal("40.00")})
    send(ns, "POST", "/record/v1/nonInventorySaleItem", {"itemId": "B", "rate": Decimal("20")})
    lines = [{"item": {"id": "1"}}, {"item": {"id": "2"}, "quantity": 3}]
    assert (
        send(
            ns,
            "POST",
            "/record/v1/invoice",
            {"entity": {"externalId": "C-1"}, "item": {"items": lines}},
        )
        == "1"
    )
    return ns


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("isInactive", "yes"),
        ("creditLimit", True),
        ("creditLimit", "100"),
        ("companyName", 7),
        ("currency", "USD"),
        ("currency", {"refName": "USD"}),
        ("terms", {"externalId": "net30"}),
        ("addressBook", [{"label": "x"}]),
    ],
)
def test_values_of_the_wrong_kind_are_refused(ns: Emulator, field: str, value: Any) -> None:
    assert send(ns, "POST", "/record/v1/customer", customer(**{field: value})) == [
        ("INVALID_CONTENT", field)
    ]


def test_dates_must_be_calendar_dates(books: Emulator) -> None:
    body = {"entity": {"id": "1"}, "tranDate": "2024-02-30", "item": {"items": []}}
    assert ("INVALID_CONTENT", "tranDate") in send(books, "POST", "/record/v1/invoice", body)


def test_a_body_that_is_not_an_object_is_refused(ns: Emulator) -> None:
    assert send(ns, "POST", "/record/v1/customer", ["not", "an", "object"]) == [
        ("INVALID_CONTENT", None)
    ]


def test_patch_merges_lines_by_number_unless_replaced(books: Emulator) -> None:
    patch = {"item": {"items": [{"line": 2, "quantity": 1}, {"item": {"id": "1"}}]}}
    send(books, "PATCH", "/record/v1/invoice/1", patch)
    lines = shown(books, "/record/v1/invoice/1")["item"]["items"]
    assert [(line["line"], line["amount"]) for line in lines] == [
        (1, Decimal("40.00")),
        (2, Decimal("20.00")),
        (3, Decimal("40.00")),
    ]
    send(
        books,
        "PATCH",
        "/record/v1/invoice/1",
        {"item": {"items": [{"item": {"id": "2"}}]}},
        replace="item",
    )
    invoice = shown(books, "/record/v1/invoice/1")
    assert [line["amount"] for line in invoice["item"]["items"]] == [Decimal("20.00")]
    assert invoice["total"] == Decimal("20.00")
    assert send(books, "PATCH", "/record/v1/invoice/1", {}, replace="memo") == [
        ("INVALID_PARAMETER", None)
    ]


def test_payments_apply_by_document_and_free_the_invoice_when_changed(books: Emulator) -> None:
    payment = send(
        books,
        "POST",
        "/record/v1/customerPayment",
        {"customer": {"id": "1"}, "payment": 150, "apply": {"items": [{"doc": {"id": "1"}}]}},
    )  # no amount: applies all that is due
    assert shown(books, "/record/v1/invoice/1")["status"] == "Paid In Full"
    record = shown(books, f"/record/v1/customerPayment/{payment}")
    assert (record["applied"], record["unapplied"]) == (Decimal("100.00"), Decimal("50.00"))
    send(
        books,
        "PATCH",
        f"/record/v1/customerPayment/{payment}",
        {"apply": {"items": [{"doc": {"id": "1"}, "apply": False}]}},
    )
    assert shown(books, "/record/v1/invoice/1")["amountRemaining"] == Decimal("100.00")
    too_small = send(
        books,
        "PATCH",
        f"/record/v1/customerPayment/{payment}",
        {"payment": 10, "apply": {"items": [{"doc": {"id": "1"}, "apply": True, "amount": 60}]}},
    )
    assert too_small == [("USER_ERROR", "apply")]


def test_documents_of_another_customer_cannot_be_applied(books: Emulator) -> None:
    other = send(
        books,
        "POST",
        "/record/v1/customerPayment",
        {"customer": {"id": "2"}, "payment": 10, "apply": {"items": [{"doc": {"id": "1"}}]}},
    )
    assert other == [("INVALID_CONTENT", "apply.items[0].doc")]
    twice = send(
        books,
        "POST",
        "/record/v1/customerPayment",
        {
            "customer": {"id": "1"},
            "payment": 10,
            "apply": {"items": [{"doc": {"id": "1"}, "amount": 5}, {"doc": {"id": "1"}}]},
        },
    )
    assert twice == [("INVALID_CONTENT", "apply.items[1].doc")]


def test_a_credit_memo_applies_to_an_invoice(books: Emulator) -> None:
    memo = send(
        books,
        "POST",
        "/record/v1/creditMemo",
        {
            "entity": {"id": "1"},
            "item": {"items": [{"item": {"id": "2"}}]},
            "apply": {"items": [{"doc": {"id": "1"}, "amount": Decimal("15.50")}]},
        },
    )
    record = shown(books, f"/record/v1/creditMemo/{memo}")
    assert (record["tranId"], record["total"], record["applied"], record["unapplied"]) == (
        "CM0001",
        Decimal("20.00"),
        Decimal("15.50"),
        Decimal("4.50"),
    )
    assert shown(books, "/record/v1/invoice/1")["amountRemaining"] == Decimal("84.50")
    lowered = send(
        books,
        "PATCH",
        "/record/v1/invoice/1",
        {"item": {"items": [{"item": {"id": "2"}, "amount": 1}]}},
        replace="item",
    )
    assert lowered == [("USER_ERROR", None)]


def test_delete_and_wrong_methods(books: Emulator) -> None:
    assert books.client.delete("/record/v1/customer/2").status_code == 204
    assert books.client.get("/record/v1/customer/2").status_code == 404
    assert books.client.request("POST", "/record/v1/customer/1").status_code == 405
    assert books.client.get("/query/v1/suiteql").status_code == 405
    assert books.client.get("/record/v1/customer/1/companyName").status_code == 404
    mismatch = send(books, "PUT", "/record/v1/customer/eid:C-1", {"externalId": "C-9"})
    assert mismatch == [("INVALID_CONTENT", "externalId")]
    bad_header = books.client.post(
        "/record/v1/customer",
        json=customer("Q"),
        headers={"X-NetSuite-PropertyNameValidation": "Loud"},
    )
    assert bad_header.json()["o:errorDetails"][0]["o:errorHeader"] == (
        "X-NetSuite-PropertyNameValidation"
    )
