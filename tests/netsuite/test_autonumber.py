"""Auto-generated numbers: the settings users struggle with, seen through the driver."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine import jsonio
from engine.errors import ConflictError, RejectedError

from .conftest import WRITE, Emulator, customer

NUMBERED = {"enabled": True, "allow_override": False, "prefix": "CUST", "digits": 4, "next": 7}


def test_override_off_silently_replaces_the_supplied_id(
    make_emulator: Callable[..., Emulator],
) -> None:
    ns = make_emulator(autonumber={"customer": {**NUMBERED, "allow_override": False}})
    result = ns.driver().create("customer", customer("ACME-001 Acme Corp"))
    assert result.created and result.record is not None
    assert result.record["entityId"] == "CUST0007"
    second = ns.driver().create("customer", customer("ACME-002"))
    assert second.record is not None and second.record["entityId"] == "CUST0008"


def test_override_on_keeps_the_supplied_id_and_numbers_the_rest(
    make_emulator: Callable[..., Emulator],
) -> None:
    ns = make_emulator(autonumber={"customer": {**NUMBERED, "allow_override": True}})
    drv = ns.driver()
    kept = drv.create("customer", customer("ACME-001 Acme Corp"))
    assert kept.record is not None and kept.record["entityId"] == "ACME-001 Acme Corp"
    numbered = drv.create("customer", {"companyName": "No Id", "subsidiary": {"id": "1"}})
    assert numbered.record is not None and numbered.record["entityId"] == "CUST0007"


def test_update_off_refuses_a_patch_that_changes_the_number(
    make_emulator: Callable[..., Emulator],
) -> None:
    ns = make_emulator(
        autonumber={"customer": {**NUMBERED, "allow_override": True, "allow_update": False}}
    )
    drv = ns.driver()
    created = drv.create("customer", customer("ACME-001"))
    try:
        drv.update("customer", created.id, {"entityId": "ACME-002"})
    except ConflictError as exc:
        assert exc.status == 400
        assert exc.details[0]["code"] == "INSUFFICIENT_PERMISSION"
        assert exc.details[0]["path"] == "entityId"
        assert exc.details[0]["detail"].startswith(
            "You do not have permissions to set a value for element entityid"
        )
    else:
        raise AssertionError("the number change was accepted")
    same = drv.update("customer", created.id, {"entityId": "ACME-001", "phone": "1"})
    assert same.record is not None and same.record["phone"] == "1"


def test_update_off_also_refuses_an_upsert_that_changes_the_number(
    make_emulator: Callable[..., Emulator],
) -> None:
    ns = make_emulator(autonumber={"customer": {**NUMBERED, "allow_update": False}})
    drv = ns.driver()
    first = drv.upsert("customer", "Z-1", customer("ignored"))
    assert first.created and first.record is not None
    assert first.record["entityId"] == "CUST0007"
    again = drv.upsert("customer", "Z-1", {"phone": "2"})
    assert not again.created
    try:
        drv.upsert("customer", "Z-1", {"entityId": "Z-ONE"})
    except ConflictError as exc:
        assert exc.details[0]["code"] == "INSUFFICIENT_PERMISSION"
    else:
        raise AssertionError("the number change was accepted")


def test_by_default_customers_are_numbered_as_netsuite_numbers_them(ns: Emulator) -> None:
    drv = ns.driver()
    made = drv.create("customer", {"companyName": "Nameless", "subsidiary": {"id": "1"}})
    kept = drv.create("customer", customer("ACME-1"))
    assert made.record is not None and made.record["entityId"] == "CUST0001"
    assert kept.record is not None and kept.record["entityId"] == "ACME-1"


def test_without_numbering_an_entity_id_is_required_unless_auto_name(
    make_emulator: Callable[..., Emulator],
) -> None:
    drv = make_emulator(autonumber={"customer": {"enabled": False}}).driver()
    try:
        drv.create("customer", {"companyName": "Nameless", "subsidiary": {"id": "1"}})
    except RejectedError as exc:
        assert [(d["code"], d["path"]) for d in exc.details] == [("FIELD_PARAM_REQD", "entityId")]
    else:
        raise AssertionError("created without an entityId")
    person = {
        "isPerson": True,
        "firstName": "Ada",
        "lastName": "Lovelace",
        "autoName": True,
        "subsidiary": {"id": "1"},
    }
    made = drv.create("customer", person)
    assert made.record is not None and made.record["entityId"] == "Ada Lovelace"


def test_transactions_are_numbered_by_default_and_keep_a_supplied_number(ns: Emulator) -> None:
    drv = ns.driver()
    drv.create("customer", customer())
    drv.create("serviceSaleItem", {"itemId": "Support", "rate": 5})
    lines = {"items": [{"item": {"id": "1"}}]}
    auto = drv.create("invoice", {"entity": {"id": "1"}, "item": lines})
    kept = drv.create("invoice", {"entity": {"id": "1"}, "tranId": "Z-INV-9", "item": lines})
    assert auto.record is not None and auto.record["tranId"] == "INV0001"
    assert kept.record is not None and kept.record["tranId"] == "Z-INV-9"


def test_settings_are_readable_and_come_from_the_seed_folder(
    make_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    (tmp_path / "autonumber.json").write_bytes(
        jsonio.dumps(
            {"customer": {"enabled": True, "allow_override": False, "prefix": "C-", "digits": 3}}
        )
    )
    ns = make_emulator(data_dir=tmp_path, autonumber={"customer": {"allow_update": False}})
    settings = ns.http.get(ns.root + "/__ferry/autonumber").json()
    assert settings["customer"] == {
        "enabled": True,
        "allow_override": False,
        "allow_update": False,
        "prefix": "C-",
        "suffix": "",
        "digits": 3,
        "next": 1,
    }
    assert settings["invoice"]["prefix"] == "INV"
    response = ns.client.post("/record/v1/customer", json=customer("X"), headers=WRITE)
    assert response.status_code == 204
    assert ns.app.store.records["customer"]["1"]["entityId"] == "C-001"
    assert ns.http.post(ns.root + "/__ferry/autonumber").status_code == 405
