"""Record operations on the emulator over raw signed HTTP: shapes, validation, money, paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from engine import jsonio

from .conftest import WRITE, Emulator, customer


def body(response: httpx.Response) -> Any:
    return jsonio.loads_exact(response.content)


def details(response: httpx.Response) -> list[dict[str, Any]]:
    payload = body(response)
    assert payload["type"].startswith("https://www.w3.org/Protocols/rfc2616/")
    assert payload["status"] == response.status_code
    return list(payload["o:errorDetails"])


def post(ns: Emulator, rtype: str, data: dict[str, Any], **headers: str) -> httpx.Response:
    return ns.client.post(f"/record/v1/{rtype}", json=data, headers={**WRITE, **headers})


def new_id(response: httpx.Response) -> str:
    assert response.status_code == 204, response.text
    return response.headers["Location"].rsplit("/", 1)[-1]


def item(ns: Emulator, name: str = "Support", rate: str = "10.10") -> str:
    data = {"itemId": name, "rate": Decimal(rate), "subsidiary": {"items": [{"id": "1"}]}}
    return new_id(
        ns.client.post(
            "/record/v1/serviceSaleItem",
            content=jsonio.dumps(data),
            headers={**WRITE, "Content-Type": "application/json"},
        )
    )


def test_create_answers_204_with_location_and_no_body(ns: Emulator) -> None:
    response = post(ns, "customer", customer(externalId="CID 001"))
    assert response.status_code == 204
    assert response.content == b""
    assert response.headers["Location"] == ns.rest + "/record/v1/customer/1"


def test_get_by_id_and_by_external_id_with_references_and_links(ns: Emulator) -> None:
    parent = new_id(post(ns, "customer", customer("Parent Co")))
    post(
        ns,
        "customer",
        customer("Child Co", externalId="CID 002", parent={"id": parent}, currency={"id": "2"}),
    )
    by_eid = body(ns.client.get("/record/v1/customer/eid:CID 002"))
    assert by_eid == body(ns.client.get(f"/record/v1/customer/{by_eid['id']}"))
    assert by_eid["links"] == [{"rel": "self", "href": f"{ns.rest}/record/v1/customer/2"}]
    assert by_eid["parent"] == {
        "links": [{"rel": "self", "href": f"{ns.rest}/record/v1/customer/{parent}"}],
        "id": parent,
        "refName": "Parent Co",
    }
    assert by_eid["currency"]["refName"] == "GBP"
    assert by_eid["lastModifiedDate"].endswith("Z")


def test_sublists_are_collapsed_unless_expanded(ns: Emulator) -> None:
    address = {
        "label": "Billing",
        "defaultBilling": True,
        "addressBookAddress": {"addr1": "1 Main St", "city": "Austin", "country": "US"},
    }
    post(ns, "customer", customer(addressBook={"items": [address]}))
    collapsed = body(ns.client.get("/record/v1/customer/1"))["addressBook"]
    assert collapsed == {
        "links": [{"rel": "self", "href": f"{ns.rest}/record/v1/customer/1/addressBook"}]
    }
    expanded = body(ns.client.get("/record/v1/customer/1?expandSubResources=true"))
    book = expanded["addressBook"]
    assert (book["count"], book["hasMore"], book["totalResults"]) == (1, False, 1)
    assert book["items"][0]["addressBookAddress"]["city"] == "Austin"
    assert body(ns.client.get("/record/v1/customer/1/addressBook"))["items"] == book["items"]


def test_patch_changes_only_the_sent_fields(ns: Emulator) -> None:
    post(ns, "customer", customer(email="old@example.com", phone="555"))
    before = body(ns.client.get("/record/v1/customer/1"))
    response = ns.client.patch(
        "/record/v1/customer/1", json={"email": "new@example.com"}, headers=WRITE
    )
    assert (response.status_code, response.content) == (204, b"")
    after = body(ns.client.get("/record/v1/customer/1"))
    assert after["email"] == "new@example.com"
    assert after["phone"] == "555" and after["companyName"] == before["companyName"]
    assert after["lastModifiedDate"] > before["lastModifiedDate"]
    assert after["dateCreated"] == before["dateCreated"]


def test_put_by_external_id_creates_then_updates(ns: Emulator) -> None:
    first = ns.client.put("/record/v1/customer/eid:Z-1", json=customer("Zed"), headers=WRITE)
    assert first.status_code == 204
    location = first.headers["Location"]
    second = ns.client.put("/record/v1/customer/eid:Z-1", json={"phone": "1"}, headers=WRITE)
    assert second.headers["Location"] == location
    record = body(ns.client.get("/record/v1/customer/eid:Z-1"))
    assert (record["externalId"], record["phone"], record["companyName"]) == ("Z-1", "1", "Zed")
    assert len(ns.app.store.records["customer"]) == 1
    refused = ns.client.put("/record/v1/customer/1", json={"phone": "2"}, headers=WRITE)
    assert details(refused)[0]["o:errorCode"] == "INVALID_PARAMETER"


def test_external_ids_are_unique_per_record_type(ns: Emulator) -> None:
    post(ns, "customer", customer("A", externalId="X1"))
    clash = post(ns, "customer", customer("B", externalId="X1"))
    assert clash.status_code == 400
    assert details(clash)[0]["o:errorCode"] == "DUP_RCRD"
    assert post(ns, "serviceSaleItem", {"itemId": "X", "externalId": "X1"}).status_code == 204


def test_unknown_fields_are_refused_only_when_validation_is_error(ns: Emulator) -> None:
    refused = post(ns, "customer", customer(nickname="Ace", custentity_nope="x"))
    assert [(d["o:errorCode"], d["o:errorPath"]) for d in details(refused)] == [
        ("INVALID_CONTENT", "nickname"),
        ("INVALID_CONTENT", "custentity_nope"),
    ]
    lenient = ns.client.post("/record/v1/customer", json=customer(nickname="Ace"))
    assert lenient.status_code == 204
    assert "nickname" not in body(ns.client.get("/record/v1/customer/1"))


def test_missing_required_fields_name_their_path(ns: Emulator) -> None:
    response = post(ns, "customer", {"entityId": "E1", "isPerson": True})
    assert response.status_code == 400
    assert [(d["o:errorCode"], d["o:errorPath"]) for d in details(response)] == [
        ("FIELD_PARAM_REQD", "subsidiary"),
        ("FIELD_PARAM_REQD", "firstName"),
        ("FIELD_PARAM_REQD", "lastName"),
    ]
    post(ns, "customer", customer())
    no_lines = post(ns, "invoice", {"entity": {"id": "1"}})
    assert [(d["o:errorCode"], d["o:errorPath"]) for d in details(no_lines)] == [
        ("FIELD_PARAM_REQD", "item")
    ]


def test_references_to_missing_records_name_the_sublist_path(ns: Emulator) -> None:
    post(ns, "customer", customer())
    response = post(
        ns,
        "invoice",
        {"entity": {"id": "1"}, "item": {"items": [{"item": {"id": "9999"}, "amount": 1}]}},
    )
    assert details(response) == [
        {
            "detail": "Error while accessing resource: You have entered an Invalid Field Value "
            "9999 for the following field: item",
            "o:errorCode": "INVALID_CONTENT",
            "o:errorPath": "item.items[0].item",
        }
    ]


def test_read_only_fields_cannot_be_written(ns: Emulator) -> None:
    post(ns, "customer", customer())
    item(ns)
    response = post(
        ns,
        "invoice",
        {"entity": {"id": "1"}, "total": 5, "item": {"items": [{"item": {"id": "1"}}]}},
    )
    assert [(d["o:errorCode"], d["o:errorPath"]) for d in details(response)] == [
        ("INSUFFICIENT_PERMISSION", "total")
    ]


def test_money_is_exact_through_lines_totals_and_applications(ns: Emulator) -> None:
    post(ns, "customer", customer())
    rate_item = item(ns, "Seat", "0.10")
    lines = [
        {"item": {"id": rate_item}, "quantity": 3},
        {"item": {"id": rate_item}, "amount": Decimal("0.20")},
        {"item": {"id": rate_item}, "rate": Decimal("33.335"), "quantity": 1},
    ]
    invoice = new_id(
        ns.client.post(
            "/record/v1/invoice",
            content=jsonio.dumps({"entity": {"id": "1"}, "item": {"items": lines}}),
            headers={**WRITE, "Content-Type": "application/json"},
        )
    )
    shown = body(ns.client.get(f"/record/v1/invoice/{invoice}?expandSubResources=true"))
    assert [line["amount"] for line in shown["item"]["items"]] == [
        Decimal("0.30"),
        Decimal("0.20"),
        Decimal("33.34"),
    ]
    assert shown["total"] == Decimal("33.84")
    assert shown["tranId"] == "INV0001"
    payment = {
        "customer": {"id": "1"},
        "payment": Decimal("33.83"),
        "apply": {"items": [{"doc": {"id": invoice}, "amount": Decimal("33.83")}]},
    }
    assert (
        ns.client.post(
            "/record/v1/customerPayment",
            content=jsonio.dumps(payment),
            headers={**WRITE, "Content-Type": "application/json"},
        ).status_code
        == 204
    )
    after = body(ns.client.get(f"/record/v1/invoice/{invoice}"))
    assert (after["amountRemaining"], after["status"]) == (Decimal("0.01"), "Open")
    assert body(ns.client.get("/record/v1/customer/1"))["balance"] == Decimal("0.01")


def test_applying_more_than_is_due_is_refused(ns: Emulator) -> None:
    post(ns, "customer", customer())
    item(ns)
    invoice = new_id(
        post(ns, "invoice", {"entity": {"id": "1"}, "item": {"items": [{"item": {"id": "1"}}]}})
    )
    response = post(
        ns,
        "customerPayment",
        {
            "customer": {"id": "1"},
            "payment": 50,
            "apply": {"items": [{"doc": {"id": invoice}, "amount": 20}]},
        },
    )
    assert [(d["o:errorCode"], d["o:errorPath"]) for d in details(response)] == [
        ("USER_ERROR", "apply.items[0].amount")
    ]


def test_refund_applies_to_a_payment_and_reduces_what_is_unapplied(ns: Emulator) -> None:
    post(ns, "customer", customer())
    payment = new_id(post(ns, "customerPayment", {"customer": {"id": "1"}, "payment": 25}))
    refund = post(
        ns,
        "customerRefund",
        {"customer": {"id": "1"}, "apply": {"items": [{"doc": {"id": payment}, "amount": 5}]}},
    )
    shown = body(ns.client.get(f"/record/v1/customerRefund/{new_id(refund)}"))
    assert shown["total"] == 5
    assert body(ns.client.get(f"/record/v1/customerPayment/{payment}"))["unapplied"] == Decimal(
        "20.00"
    )


def test_write_times_are_server_set_and_strictly_increasing(
    make_emulator: Callable[..., Emulator],
) -> None:
    frozen = datetime(2024, 5, 1, 12, 0, 0, 500000, tzinfo=UTC)
    ns = make_emulator(clock=lambda: frozen)
    for n in range(3):
        post(ns, "customer", customer(f"C{n}"))
    ns.client.patch("/record/v1/customer/1", json={"phone": "1"}, headers=WRITE)
    stamps = [
        body(ns.client.get(f"/record/v1/customer/{i}"))["lastModifiedDate"] for i in (2, 3, 1)
    ]
    assert stamps == ["2024-05-01T12:00:01Z", "2024-05-01T12:00:02Z", "2024-05-01T12:00:03Z"]
    refused = post(ns, "customer", customer("C9", lastModifiedDate="2020-01-01T00:00:00Z"))
    assert details(refused)[0]["o:errorCode"] == "INSUFFICIENT_PERMISSION"


def test_collection_lists_ids_in_pages(ns: Emulator) -> None:
    for n in range(5):
        post(ns, "customer", customer(f"C{n}"))
    page = body(ns.client.get("/record/v1/customer", params={"limit": 2, "offset": 2}))
    assert [i["id"] for i in page["items"]] == ["3", "4"]
    assert (page["count"], page["hasMore"], page["offset"], page["totalResults"]) == (2, True, 2, 5)
    rels = {link["rel"]: link["href"] for link in page["links"]}
    assert rels["next"].endswith("limit=2&offset=4")
    bad = ns.client.get("/record/v1/customer", params={"limit": 2, "offset": 3})
    assert details(bad)[0]["o:errorQueryParam"] == "offset"


def test_record_type_names_are_case_insensitive(ns: Emulator) -> None:
    assert post(ns, "servicesaleitem", {"itemId": "A"}).status_code == 204
    assert post(ns, "noninventorySaleItem", {"itemId": "B"}).status_code == 204
    assert ns.client.get("/record/v1/ServiceSaleItem/1").status_code == 200
    unknown = ns.client.get("/record/v1/salesOrder/1")
    assert details(unknown)[0]["o:errorCode"] == "INVALID_RCRD_TYPE"


def test_missing_records_are_404_nonexistent_id(ns: Emulator) -> None:
    response = ns.client.get("/record/v1/customer/eid:nobody")
    assert response.status_code == 404
    assert details(response)[0]["o:errorCode"] == "NONEXISTENT_ID"


def test_invalid_json_is_invalid_content(ns: Emulator) -> None:
    response = ns.client.post(
        "/record/v1/customer", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert details(response)[0]["o:errorCode"] == "INVALID_CONTENT"


def test_an_unexpected_clock_moves_forward_only(make_emulator: Callable[..., Emulator]) -> None:
    now = [datetime(2024, 1, 1, tzinfo=UTC)]
    ns = make_emulator(clock=lambda: now[0])
    post(ns, "customer", customer("A"))
    now[0] -= timedelta(days=1)
    post(ns, "customer", customer("B"))
    first, second = (body(ns.client.get(f"/record/v1/customer/{i}")) for i in ("1", "2"))
    assert second["lastModifiedDate"] > first["lastModifiedDate"]


def test_unique_values_are_taken_while_held_and_free_once_renamed_or_deleted(ns: Emulator) -> None:
    """Entity ids, external ids and item names stay unique through renames and deletes (the
    emulator looks them up in an index kept with every write, not by a scan)."""
    first = new_id(post(ns, "customer", customer("A", entityId="E1", externalId="X1")))
    assert details(post(ns, "customer", customer("B", entityId="E1")))[0]["o:errorCode"] == (
        "DUP_ENTITY"
    )
    renamed = ns.client.patch(
        f"/record/v1/customer/{first}", json={"entityId": "E2"}, headers=WRITE
    )
    assert renamed.status_code == 204
    second = new_id(post(ns, "customer", customer("B", entityId="E1")))  # E1 is free again
    clash = post(ns, "customer", customer("C", entityId="E2", externalId="X1"))
    assert sorted(d["o:errorCode"] for d in details(clash)) == ["DUP_ENTITY", "DUP_RCRD"]
    assert ns.client.delete(f"/record/v1/customer/{first}").status_code == 204
    third = new_id(post(ns, "customer", customer("C", entityId="E2", externalId="X1")))
    assert len({first, second, third}) == 3
    taken = {"itemId": "Support", "subsidiary": {"items": [{"id": "1"}]}}
    assert post(ns, "serviceSaleItem", taken).status_code == 204
    other_type = post(ns, "nonInventorySaleItem", taken)  # item names span the item types
    assert details(other_type)[0]["o:errorCode"] == "DUP_ITEM"


def test_an_auto_number_skips_one_already_taken(ns: Emulator) -> None:
    new_id(post(ns, "customer", customer("CUST0001")))
    numbered = new_id(post(ns, "customer", {"companyName": "No Id", "subsidiary": {"id": "1"}}))
    assert body(ns.client.get(f"/record/v1/customer/{numbered}"))["entityId"] == "CUST0002"
