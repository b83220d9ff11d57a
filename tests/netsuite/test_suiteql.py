"""SuiteQL: the parser on its own, then queries over HTTP with paging and errors."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from engine.emulators.netsuite.suiteql import Condition, Literal, OrderKey, SuiteQLError, parse

from .conftest import Emulator, customer

WRITE = {"X-NetSuite-PropertyNameValidation": "Error"}


def test_parse_the_documented_subset() -> None:
    query = parse(
        "select id, EntityId from Customer where Customer.lastModifiedDate >= "
        "TO_DATE('2024-01-01', 'YYYY-MM-DD') and isinactive = 'F' and id in (1, 2) "
        "and email is not null and (companyname <> 'It''s') order by lastmodifieddate desc, id"
    )
    assert query.columns == ("id", "entityid")
    assert query.table == "customer"
    assert query.where == (
        Condition("lastmodifieddate", ">=", (Literal(datetime(2024, 1, 1, tzinfo=UTC)),)),
        Condition("isinactive", "=", (Literal("F"),)),
        Condition("id", "in", (Literal(Decimal(1)), Literal(Decimal(2)))),
        Condition("email", "is not null"),
        Condition("companyname", "!=", (Literal("It's"),)),
    )
    assert query.order == (OrderKey("lastmodifieddate", True), OrderKey("id"))


def test_timestamps_with_an_oracle_format_model() -> None:
    query = parse(
        "SELECT * FROM transaction WHERE lastmodifieddate > "
        "TO_TIMESTAMP('2024-03-02 10:20:30', 'YYYY-MM-DD HH24:MI:SS')"
    )
    assert query.columns is None
    assert query.where[0].values[0].value == datetime(2024, 3, 2, 10, 20, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SELECT id FROM customer WHERE id = 1 OR id = 2", "unexpected 'OR'"),
        ("SELECT c.id FROM customer c JOIN transaction t", "unexpected 'c'"),
        ("SELECT id FROM customer WHERE companyname = 'open", "unterminated string"),
        ("SELECT id, FROM customer", "expected a column name but found 'FROM'"),
        ("SELECT id FROM customer WHERE id LIKE 'x'", "expected a comparison after 'id'"),
        ("SELECT id FROM customer ORDER id", "expected BY"),
        ("SELECT id FROM customer WHERE id = ?", "unexpected character '?'"),
        ("SELECT id FROM customer WHERE d > TO_DATE('2024-13-01', 'YYYY-MM-DD')", "cannot read"),
        ("SELECT item.id FROM customer", "unknown table qualifier 'item'"),
        ("SELECT id FROM customer WHERE id = 1 GROUP BY id", "unexpected 'GROUP'"),
    ],
)
def test_syntax_outside_the_subset_names_what_was_not_understood(text: str, message: str) -> None:
    with pytest.raises(SuiteQLError, match=message):
        parse(text)


def seed_customers(ns: Emulator, count: int) -> None:
    for n in range(1, count + 1):
        extra = {"email": f"c{n}@example.com"} if n % 2 else {"isInactive": True}
        response = ns.client.post(
            "/record/v1/customer", json=customer(f"C{n:02d}", **extra), headers=WRITE
        )
        assert response.status_code == 204


def test_paging_across_several_pages(ns: Emulator) -> None:
    seed_customers(ns, 7)
    seen, offset, pages = [], 0, []
    while True:
        response = ns.query("SELECT id, entityid FROM customer ORDER BY id", limit=3, offset=offset)
        assert response.status_code == 200, response.text
        page = response.json()
        pages.append((page["count"], page["hasMore"], page["offset"], page["totalResults"]))
        seen += [row["entityid"] for row in page["items"]]
        if not page["hasMore"]:
            break
        next_link = next(link["href"] for link in page["links"] if link["rel"] == "next")
        assert next_link.endswith(f"limit=3&offset={offset + 3}")
        offset += 3
    assert pages == [(3, True, 0, 7), (3, True, 3, 7), (1, False, 6, 7)]
    assert seen == [f"C{n:02d}" for n in range(1, 8)]


def test_rows_have_lower_case_keys_t_f_booleans_and_no_null_columns(ns: Emulator) -> None:
    seed_customers(ns, 2)
    rows = ns.query(
        "SELECT id, entityid, isinactive, email, subsidiary FROM customer ORDER BY id"
    ).json()["items"]
    assert rows == [
        {"links": [], "id": "1", "entityid": "C01", "email": "c1@example.com", "subsidiary": "1"},
        {"links": [], "id": "2", "entityid": "C02", "isinactive": "T", "subsidiary": "1"},
    ]


def test_filters_and_ordering(ns: Emulator) -> None:
    seed_customers(ns, 6)

    def ids(where: str, order: str = "id") -> list[str]:
        response = ns.query(f"SELECT id FROM customer WHERE {where} ORDER BY {order}")
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    assert ids("email IS NULL") == ["2", "4", "6"]
    assert ids("isinactive = 'T' AND id > 2") == ["4", "6"]
    assert ids("id NOT IN (1, 2, 3)", "id DESC") == ["6", "5", "4"]
    assert ids("entityid <= 'C02'") == ["1", "2"]
    assert ids("lastmodifieddate >= '2000-01-01T00:00:00Z'") == ["1", "2", "3", "4", "5", "6"]
    assert ids("lastmodifieddate < TO_DATE('2000-01-01', 'YYYY-MM-DD')") == []
    assert ids("id != 1", "email DESC, id") == ["2", "4", "6", "5", "3"]


def test_transactions_by_type_with_totals(ns: Emulator) -> None:
    ns.client.post("/record/v1/customer", json=customer(), headers=WRITE)
    ns.client.post("/record/v1/serviceSaleItem", json={"itemId": "S", "rate": 7}, headers=WRITE)
    ns.client.post(
        "/record/v1/invoice",
        headers=WRITE,
        json={"entity": {"id": "1"}, "item": {"items": [{"item": {"id": "1"}}]}},
    )
    ns.client.post(
        "/record/v1/customerPayment", headers=WRITE, json={"customer": {"id": "1"}, "payment": 3}
    )
    rows = ns.query(
        "SELECT id, type, entity, foreigntotal, foreignamountremaining FROM transaction ORDER BY id"
    ).json()["items"]
    assert [(r["type"], r["entity"], r["foreigntotal"]) for r in rows] == [
        ("CustInvc", "1", "7.00"),
        ("CustPymt", "1", "3.00"),
    ]
    assert rows[0]["foreignamountremaining"] == "7.00"
    items = ns.query("SELECT itemid, itemtype FROM item").json()["items"]
    assert items == [{"links": [], "itemid": "S", "itemtype": "Service"}]


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ("SELECT id FROM customer WHERE id = 1 OR id = 2", "unexpected 'OR'"),
        ("SELECT nope FROM customer", "Field 'nope' for record 'customer' was not found"),
        ("SELECT id FROM salesorder", "Record 'salesorder' was not found"),
        ("SELECT id FROM customer WHERE lastmodifieddate > 5", "cannot be compared with a date"),
    ],
)
def test_errors_are_400_invalid_parameter(ns: Emulator, q: str, fragment: str) -> None:
    response = ns.query(q)
    assert response.status_code == 400
    detail = response.json()["o:errorDetails"][0]
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["detail"].startswith("Invalid search query.")
    assert fragment in detail["detail"]


def test_request_rules(make_emulator: Callable[..., Emulator]) -> None:
    ns = make_emulator()
    too_big = ns.query("SELECT id FROM customer", limit=1001)
    assert too_big.json()["o:errorDetails"][0]["o:errorQueryParam"] == "limit"
    no_prefer = ns.client.post("/query/v1/suiteql", json={"q": "SELECT id FROM customer"})
    assert no_prefer.json()["o:errorDetails"][0]["o:errorHeader"] == "Prefer"
    not_q = ns.client.post(
        "/query/v1/suiteql", json={"query": "x"}, headers={"Prefer": "transient"}
    )
    assert not_q.json()["o:errorDetails"][0]["o:errorCode"] == "INVALID_CONTENT"
