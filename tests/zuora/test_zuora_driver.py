"""ZuoraDriver against the emulator: reads, writes, find, and how every error shape is classed."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import httpx
import pytest
from jsonschema import Draft202012Validator

from engine.errors import (
    AmbiguousWriteError,
    AuthError,
    NotFoundError,
    PermanentError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from engine.run.drivers.base import Driver
from engine.run.drivers.registry import DriverRegistry
from engine.run.drivers.zuora import ZuoraDriver, classify

from .conftest import Zuora, account_body, make_charge, make_invoice, unique


def test_driver_is_registered_and_declares_its_options() -> None:
    cls = DriverRegistry.default().get("zuora")
    assert cls is ZuoraDriver and cls.secret_options == ("client_secret",)
    Draft202012Validator.check_schema(ZuoraDriver.options_schema)
    validator = Draft202012Validator(ZuoraDriver.options_schema)
    good = {
        "base_url": "http://x",
        "client_id": "a",
        "client_secret": "${env:S}",
        "page_size": 50,
        "concurrency": 2,
        "timeout": 5,
    }
    assert not list(validator.iter_errors(good))
    assert list(validator.iter_errors({**good, "page_size": 51}))
    assert list(validator.iter_errors({**good, "pagesize": 5}))


def test_capabilities(driver: ZuoraDriver) -> None:
    assert isinstance(driver, Driver)
    caps = driver.capabilities
    assert caps.idempotency_keys and not caps.upsert_external_id
    assert {"account", "invoice", "refund", "product_rate_plan_charge"} <= set(caps.objects)
    with pytest.raises(PermanentError):
        driver.upsert("account", "x", {})


def test_account_create_get_update_find(driver: ZuoraDriver) -> None:
    name = unique()
    created = driver.create("account", account_body(name, Region__c="EMEA"))
    assert created.created and created.record is not None
    assert created.record["accountNumber"].startswith("A") and created.record["billTo"]
    driver.update(
        "account",
        created.id,
        {"IntegrationId__NS": "321", "IntegrationStatus__NS": "Sync Complete"},
    )
    record = driver.get("account", created.id)
    assert record is not None and record["IntegrationId__NS"] == "321"
    assert record["billTo"]["lastName"] == "Lovelace" and record["soldTo"]["id"]
    found = driver.find("account", {"name": name, "Region__c": "EMEA"})
    assert [r["id"] for r in found] == [created.id]
    assert driver.find("account", {"name": name, "IntegrationId__NS": None}) == []
    assert driver.get("account", "does-not-exist") is None


def test_read_changed_pages_oldest_first(seeded: Zuora) -> None:
    driver = seeded.driver()
    pages = list(driver.read_changed("account", None, page_size=50))
    assert [len(p.records) for p in pages] == [50, 50, 20]
    assert pages[-1].cursor is None and all(p.cursor for p in pages[:-1])
    records = [r for p in pages for r in p.records]
    stamps = [r.updated_at for r in records]
    assert stamps == sorted(stamps) and all(s.tzinfo is not None for s in stamps)
    assert all("billTo" in r.data for r in records)
    since = stamps[100]
    later = [r for p in driver.read_changed("account", since) for r in p.records]
    assert [r.id for r in later] == [r.id for r in records[100:]]
    driver.close()


def test_reads_of_catalog_and_transactions(seeded: Zuora) -> None:
    driver = seeded.driver()
    everything = {
        obj: [r for p in driver.read_changed(obj, None) for r in p.records]
        for obj in (
            "product",
            "product_rate_plan",
            "product_rate_plan_charge",
            "invoice",
            "payment",
            "credit_memo",
            "refund",
        )
    }
    assert all(everything.values())
    charge = everything["product_rate_plan_charge"][0].data
    assert {"chargeModel", "chargeType", "ItemType__NS"} <= charge.keys()
    invoice = everything["invoice"][0].data
    assert invoice["invoiceItems"] and isinstance(invoice["amount"], Decimal)
    assert any(len(p.data["paymentApplications"]) == 2 for p in everything["payment"])
    assert everything["credit_memo"][0].data["creditMemoItems"]
    assert everything["refund"][0].data["paymentId"]
    driver.close()


def test_invoice_with_more_items_than_a_page_is_read_whole(zuora: Zuora, api: httpx.Client) -> None:
    charge = make_charge(api)
    account = zuora.driver().create("account", account_body()).id
    invoice = make_invoice(api, account, charge, *[Decimal("1.01")] * 12)
    driver = zuora.driver(page_size=5)
    record = next(
        r for p in driver.read_changed("invoice", None) for r in p.records if r.id == invoice["id"]
    )
    assert len(record.data["invoiceItems"]) == 12
    assert record.data["amount"] == Decimal("12.12")
    driver.close()


def test_transaction_creates_and_tracking_writes(
    zuora: Zuora, driver: ZuoraDriver, api: httpx.Client
) -> None:
    charge = make_charge(api)
    account = driver.create("account", account_body()).id
    invoice = driver.create(
        "invoice",
        {
            "accountId": account,
            "invoiceDate": "2024-05-01",
            "status": "Posted",
            "invoiceItems": [
                {
                    "amount": Decimal("19.99"),
                    "productRatePlanChargeId": charge,
                    "serviceStartDate": "2024-05-01",
                }
            ],
        },
    )
    assert invoice.record is not None and invoice.record["status"] == "Posted"
    payment = driver.create(
        "payment",
        {
            "accountId": account,
            "amount": Decimal("25.00"),
            "currency": "USD",
            "type": "External",
            "invoices": [{"invoiceId": invoice.id, "amount": Decimal("19.99")}],
        },
    )
    assert payment.record is not None and payment.record["unappliedAmount"] == Decimal("5.01")
    refund = driver.create(
        "refund",
        {
            "paymentId": payment.id,
            "totalAmount": Decimal("5.01"),
            "type": "External",
            "methodType": "Cash",
        },
    )
    assert refund.record is not None and refund.record["amount"] == Decimal("5.01")
    memo = driver.create(
        "credit_memo", {"accountId": account, "charges": [{"chargeId": charge, "amount": 1}]}
    )
    for obj, record_id in (
        ("invoice", invoice.id),
        ("payment", payment.id),
        ("refund", refund.id),
        ("credit_memo", memo.id),
        ("product_rate_plan_charge", charge),
    ):
        driver.update(
            obj,
            record_id,
            {"transferredToAccounting": "Yes", "IntegrationId__NS": f"ns-{obj}"}
            if obj != "product_rate_plan_charge"
            else {"IntegrationId__NS": "ns-c"},
        )
        got = driver.get(obj, record_id)
        assert got is not None and got["IntegrationId__NS"].startswith("ns-")
    with pytest.raises(RejectedError):  # CRUD would drop it silently; the driver refuses
        driver.update("invoice", invoice.id, {"IntegrationID__NS": "typo"} | {"Nmae": "x"})


def test_error_shapes_are_classified(zuora: Zuora, driver: ZuoraDriver, api: httpx.Client) -> None:
    account = driver.create("account", account_body()).id
    with pytest.raises(RejectedError) as http_200:
        driver.update("account", account, {"currency": "EUR"})
    assert http_200.value.status == 200
    assert http_200.value.details[0]["code"] == 53100030
    with pytest.raises(RejectedError) as http_400:
        driver.create("account", {"currency": "USD"})
    assert http_400.value.status == 400 and http_400.value.details[0]["code"] == 53100022
    with pytest.raises(NotFoundError):
        driver.update("account", "missing", {"name": "x"})
    with pytest.raises(NotFoundError):
        driver.update("invoice", "missing", {"transferredToAccounting": "Yes"})
    charge = make_charge(api)
    make_invoice(api, account, charge, 1)
    with pytest.raises(RejectedError, match="posted invoices"):
        driver.update("account", account, {"accountNumber": "LOCKED-1"})


def test_lock_contention_is_transient_and_retried(zuora: Zuora, driver: ZuoraDriver) -> None:
    account = driver.create("account", account_body()).id
    zuora.store.contend(account, times=1)
    driver.update("account", account, {"notes": "after contention"})
    assert zuora.store.table("accounts")[account]["notes"] == "after contention"


def _response(status: int, body: bytes, **headers: str) -> httpx.Response:
    return httpx.Response(
        status, content=body, headers={"Content-Type": "application/json", **headers}
    )


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            200,
            b'{"success": false, "reasons": [{"code": 53100050, "message": "lock"}]}',
            TransientError,
        ),
        (
            200,
            b'{"success": false, "reasons": [{"code": "53100061", "message": "tmp"}]}',
            TransientError,
        ),
        (
            429,
            b'{"success": false, "reasons": [{"code": 50000070, "message": "limit"}]}',
            RateLimitedError,
        ),
        (
            200,
            b'{"success": false, "reasons": [{"code": 53100020, "message": "bad"}]}',
            RejectedError,
        ),
        (
            400,
            b'{"success": false, "reasons": [{"code": 53100022, "message": "missing"}]}',
            RejectedError,
        ),
        (
            404,
            b'{"success": false, "reasons": [{"code": 53100040, "message": "gone"}]}',
            NotFoundError,
        ),
        (200, b'{"success": false, "reasons": [{"code": 53100011, "message": "auth"}]}', AuthError),
        (
            500,
            b'{"success": false, "reasons": [{"code": 53100060, "message": "boom"}]}',
            AmbiguousWriteError,
        ),
        (
            200,
            b'{"Success": false, "Errors": [{"Code": "LOCK_COMPETITION", "Message": "x"}]}',
            TransientError,
        ),
        (
            404,
            b'{"Success": false, "Errors": [{"Code": "INVALID_ID", "Message": "x"}]}',
            NotFoundError,
        ),
        (
            200,
            b'{"Success": false, "Errors": [{"Code": "INVALID_VALUE", "Message": "x"}]}',
            RejectedError,
        ),
    ],
)
def test_classify_envelopes(status: int, body: bytes, expected: type[Exception]) -> None:
    error = classify(_response(status, body, **{"Retry-After": "3"}))
    assert type(error) is expected
    assert error is not None and error.details
    if isinstance(error, RateLimitedError):
        assert error.retry_after == 3


def test_successful_bodies_pass(zuora: Zuora) -> None:
    assert classify(_response(200, b'{"success": true, "id": "x"}')) is None
    assert classify(_response(200, b'{"data": [], "note": "success: false"}')) is None
    assert classify(_response(401, b'{"message": "Authentication error"}')) is None


def test_since_is_sent_with_milliseconds(seeded: Zuora) -> None:
    driver = seeded.driver()
    stamps = sorted(a["updatedDate"] for a in seeded.store.table("accounts").values())
    since: datetime = stamps[-1]
    records = [r for p in driver.read_changed("account", since) for r in p.records]
    assert [r.updated_at for r in records] == [since]
    driver.close()
