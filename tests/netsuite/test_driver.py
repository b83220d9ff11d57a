"""NetSuiteDriver against the emulator: the Driver contract, error classes, faults, governance."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from engine.emulators.faults import FaultRule
from engine.errors import (
    AmbiguousWriteError,
    AuthError,
    ConfigError,
    ConflictError,
    NotFoundError,
    RateLimitedError,
    RejectedError,
    TransientError,
)
from engine.run.connections import build_endpoints, check_endpoints
from engine.run.drivers.base import Driver
from engine.run.drivers.http import RetryPolicy
from engine.run.drivers.netsuite import NetSuiteDriver
from engine.run.drivers.netsuite_errors import classify
from engine.run.drivers.registry import DriverRegistry

from .conftest import CREDS, Emulator, customer, eventually, tba

RECORD_PATHS = "/services/rest/record/v1/*"


class Clock:
    """A settable clock for the emulator's write times."""

    def __init__(self) -> None:
        self.now = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_the_driver_fits_the_protocol_and_the_registry(driver: NetSuiteDriver) -> None:
    assert isinstance(driver, Driver)
    assert driver.capabilities.upsert_external_id
    assert "customerRefund" in driver.capabilities.objects
    registered = DriverRegistry.default().get("netsuite")
    assert registered is NetSuiteDriver
    assert registered.secret_options == {
        "consumer_key",
        "consumer_secret",
        "token_id",
        "token_secret",
    }
    assert driver.api.base_url.endswith("/services/rest")
    assert "secret" not in repr(driver) and "secret" not in repr(driver.api)


def test_the_real_service_url_comes_from_the_account() -> None:
    options: dict[str, Any] = {
        "account": "1234567_SB1",
        "consumer_key": "k",
        "consumer_secret": "s",
        "token_id": "t",
        "token_secret": "x",
    }
    drv = NetSuiteDriver(name="ns", options=options)
    try:
        assert drv.api.base_url == "https://1234567-sb1.suitetalk.api.netsuite.com/services/rest"
    finally:
        drv.close()


def test_create_get_update_upsert_and_find(driver: NetSuiteDriver) -> None:
    made = driver.create("customer", customer("ACME-001 Acme Corp", externalId="Z 1"))
    assert (made.id, made.created) == ("1", True)
    assert made.record is not None and made.record["companyName"] == "ACME-001 Acme Corp"
    assert driver.get("customer", "1") == driver.get("customer", "eid:Z 1")
    assert driver.get("customer", "999") is None
    changed = driver.update("customer", "1", {"phone": "+1 555"})
    assert changed.record is not None and changed.record["phone"] == "+1 555"
    upserted = driver.upsert("customer", "Z 2", customer("Other"))
    assert upserted.created and upserted.record is not None
    assert [r["id"] for r in driver.find("customer", {"entityId": "ACME-001 Acme Corp"})] == ["1"]
    assert [r["id"] for r in driver.find("customer", {"externalId": "Z 2"})] == [upserted.id]
    assert driver.find("customer", {"externalId": "nobody"}) == []
    assert driver.find("customer", {"companyName": "Other", "isInactive": False}) == []
    assert len(driver.find("customer", {"parent": None})) == 2


def test_find_quotes_values_and_refuses_odd_field_names(driver: NetSuiteDriver) -> None:
    driver.create("customer", customer("O'Brien & Sons"))
    assert len(driver.find("customer", {"companyName": "O'Brien & Sons"})) == 1
    with pytest.raises(ConfigError):
        driver.find("customer", {"id = 1 OR 1": 1})
    with pytest.raises(ConfigError):
        driver.get("salesOrder", "1")


def test_updates_replace_sublists_so_a_resend_adds_no_lines(driver: NetSuiteDriver) -> None:
    driver.create("customer", customer())
    driver.create("serviceSaleItem", {"itemId": "Seat", "rate": Decimal("12.50")})
    lines = {"items": [{"item": {"id": "1"}, "quantity": 2}]}
    invoice = driver.upsert("invoice", "INV-Z1", {"entity": {"id": "1"}, "item": lines})
    for _ in range(2):
        again = driver.upsert("invoice", "INV-Z1", {"item": lines})
    assert again.record is not None
    assert len(again.record["item"]["items"]) == 1
    assert again.record["total"] == Decimal("25.00")
    assert invoice.id == again.id


def test_read_changed_pages_oldest_first_from_since(make_emulator: Callable[..., Emulator]) -> None:
    clock = Clock()
    ns = make_emulator(clock=clock)
    drv = ns.driver()
    for n in range(7):
        clock.now += timedelta(minutes=10)
        drv.create("customer", customer(f"C{n}"))
    clock.now += timedelta(minutes=10)
    drv.update("customer", "2", {"phone": "1"})  # customer 2 is now the newest
    pages = list(drv.read_changed("customer", None, page_size=3))
    assert [len(p.records) for p in pages] == [3, 3, 1]
    order = [r.id for p in pages for r in p.records]
    assert order == ["1", "3", "4", "5", "6", "7", "2"]
    assert [p.cursor is None for p in pages] == [False, False, True]
    since = datetime(2024, 6, 1, 9, 40, tzinfo=UTC)
    recent = [r for p in drv.read_changed("customer", since, page_size=2) for r in p.records]
    assert [r.id for r in recent] == ["4", "5", "6", "7", "2"]
    assert all(r.updated_at >= since for r in recent)
    assert recent[0].data["entityId"] == "C3"


def test_read_changed_catches_a_row_skipped_by_a_change_during_paging(
    make_emulator: Callable[..., Emulator],
) -> None:
    ns = make_emulator()
    drv = ns.driver()
    for n in range(6):
        drv.create("customer", customer(f"C{n}"))
    pages = drv.read_changed("customer", None, page_size=2)
    first = next(pages)
    assert [r.id for r in first.records] == ["1", "2"]
    drv.update("customer", "1", {"phone": "moved"})  # moves 1 to the end, shifting the rest
    rest = [r.id for p in pages for r in p.records]
    assert sorted(set(rest) | {"1", "2"}) == ["1", "2", "3", "4", "5", "6"]


def test_money_comes_back_exact(driver: NetSuiteDriver) -> None:
    driver.create("customer", customer())
    driver.create("serviceSaleItem", {"itemId": "Tiny", "rate": Decimal("0.10")})
    lines = [{"item": {"id": "1"}, "quantity": 3}, {"item": {"id": "1"}, "amount": Decimal("0.2")}]
    made = driver.create("invoice", {"entity": {"id": "1"}, "item": {"items": lines}})
    assert made.record is not None
    assert made.record["total"] == Decimal("0.50")
    assert isinstance(made.record["item"]["items"][0]["amount"], Decimal)
    record = next(iter(driver.read_changed("invoice", None))).records[0]
    assert record.data["amountRemaining"] == Decimal("0.50")


# -- error shapes -------------------------------------------------------------------------------
def test_every_error_shape_is_classified(ns: Emulator, driver: NetSuiteDriver) -> None:
    driver.create("customer", customer(externalId="E1"))
    with pytest.raises(RejectedError) as rejected:
        driver.create(
            "customer",
            {"entityId": "X", "companyName": "X", "bogus": 1, "subsidiary": {"id": "77"}},
        )
    assert [(d["code"], d["path"]) for d in rejected.value.details] == [
        ("INVALID_CONTENT", "bogus"),
        ("INVALID_CONTENT", "subsidiary"),
    ]
    assert rejected.value.status == 400 and "INVALID_CONTENT" in str(rejected.value)
    with pytest.raises(ConflictError) as duplicate:
        driver.create("customer", customer("Y", externalId="E1"))
    assert duplicate.value.details[0]["code"] == "DUP_RCRD"
    with pytest.raises(NotFoundError):
        driver.update("customer", "404", {"phone": "1"})
    with pytest.raises(RejectedError) as read_only:
        driver.update("customer", "1", {"balance": 5})
    assert read_only.value.details[0]["code"] == "INSUFFICIENT_PERMISSION"
    assert not isinstance(read_only.value, ConflictError)
    with pytest.raises(AuthError) as refused:
        ns.driver(token_secret="wrong").get("customer", "1")
    assert [d["code"] for d in refused.value.details] == ["INVALID_LOGIN"]
    assert refused.value.status == 401


def test_classify_reads_query_and_header_errors() -> None:
    body = {
        "type": "t",
        "title": "Bad Request",
        "status": 400,
        "o:errorDetails": [
            {
                "detail": "bad limit",
                "o:errorCode": "INVALID_PARAMETER",
                "o:errorQueryParam": "limit",
            }
        ],
    }
    error = classify(httpx.Response(400, json=body))
    assert isinstance(error, RejectedError)
    assert error.details == [
        {"code": "INVALID_PARAMETER", "detail": "bad limit", "query_param": "limit"}
    ]
    assert classify(httpx.Response(400, content=b"<html>")) is not None
    assert classify(httpx.Response(204)) is None
    assert classify(httpx.Response(503)) is None


# -- faults and governance -------------------------------------------------------------------------
def test_rate_limits_are_retried_then_reported(ns: Emulator, driver: NetSuiteDriver) -> None:
    ns.app.plan.add(FaultRule(kind="429", path=RECORD_PATHS, times=2, retry_after=0))
    assert driver.create("customer", customer()).id == "1"
    ns.app.plan.add(FaultRule(kind="429", path=RECORD_PATHS, times=None, retry_after=0))
    with pytest.raises(RateLimitedError) as exc:
        driver.get("customer", "1")
    assert exc.value.retry_after is None  # "Retry-After: 0" is no usable wait: backoff instead


def test_503_is_transient_and_retried_even_for_a_create(
    ns: Emulator, driver: NetSuiteDriver
) -> None:
    ns.app.plan.add(FaultRule(kind="503", method="POST", path=RECORD_PATHS, times=2))
    assert driver.create("customer", customer()).created
    assert len(ns.app.store.records["customer"]) == 1
    ns.app.plan.add(FaultRule(kind="503", path=RECORD_PATHS, times=None))
    with pytest.raises(TransientError):
        driver.get("customer", "1")


def test_a_lost_answer_to_a_create_is_ambiguous_and_not_resent(
    ns: Emulator, driver: NetSuiteDriver
) -> None:
    ns.app.plan.add(FaultRule(kind="drop-after-apply", method="POST", path=RECORD_PATHS))
    with pytest.raises(AmbiguousWriteError):
        driver.create("customer", customer(externalId="LOST-1"))
    assert len(ns.app.store.records["customer"]) == 1  # applied once, never resent
    assert driver.find("customer", {"externalId": "LOST-1"})[0]["id"] == "1"


def test_a_lost_answer_to_an_upsert_is_retried_safely(ns: Emulator, driver: NetSuiteDriver) -> None:
    ns.app.plan.add(FaultRule(kind="drop-after-apply", method="PUT", path=RECORD_PATHS))
    result = driver.upsert("customer", "UP-1", customer())
    assert result.record is not None and result.record["externalId"] == "UP-1"
    assert len(ns.app.store.records["customer"]) == 1


def test_a_slow_answer_times_out_ambiguously(ns: Emulator) -> None:
    drv = ns.driver(timeout=0.3)
    ns.app.plan.add(FaultRule(kind="slow", method="POST", path=RECORD_PATHS, delay=1.0))
    with pytest.raises(AmbiguousWriteError):
        drv.create("customer", customer("Slow"))
    ns.app.plan.add(FaultRule(kind="slow", method="PUT", path=RECORD_PATHS, delay=1.0))
    result = drv.upsert("customer", "SLOW-2", customer("Slow 2"))
    assert result.record is not None
    eventually(lambda: len(ns.app.store.records["customer"]) == 2)


def test_the_concurrency_limit_answers_429_with_an_ns_error(
    make_emulator: Callable[..., Emulator],
) -> None:
    ns = make_emulator(concurrency_limit=1)
    ns.app.plan.add(
        FaultRule(kind="slow", method="GET", path="/services/rest/record/v1/customer", delay=1.0)
    )
    holder = threading.Thread(target=lambda: ns.client.get("/record/v1/customer"))
    holder.start()
    eventually(lambda: ns.app.gate is not None and ns.app.gate.in_flight == 1)
    response = ns.http.get(ns.rest + "/record/v1/customer/1", auth=tba())
    holder.join()
    assert response.status_code == 429
    assert response.json()["o:errorDetails"][0]["o:errorCode"] == "CONCURRENCY_LIMIT_EXCEEDED"
    assert "Retry-After" not in response.headers


def test_the_driver_absorbs_the_concurrency_limit_by_retrying(
    make_emulator: Callable[..., Emulator],
) -> None:
    ns = make_emulator(concurrency_limit=2)
    writer = ns.driver()
    for n in range(10):
        writer.create("customer", customer(f"C{n}"))
    ns.app.plan.add(
        FaultRule(
            kind="slow",
            method="GET",
            path="/services/rest/record/v1/customer/*",
            delay=0.1,
            times=None,
        )
    )
    patient = RetryPolicy(max_attempts=40, base_delay=0.02, max_delay=0.1)
    reader = ns.driver(retry=patient, concurrency=6, own_client=True)
    records = [r for page in reader.read_changed("customer", None) for r in page.records]
    assert sorted(int(r.id) for r in records) == list(range(1, 11))
    assert ns.app.gate is not None and ns.app.gate.rejected > 0
    assert ns.app.gate.peak <= 2


def test_built_from_a_connections_document(
    ns: Emulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    for option, value in CREDS.items():
        monkeypatch.setenv(f"NS_{option.upper()}", value)
    monkeypatch.setenv("NS_URL", ns.root)
    options = {
        "account": "1234567_sb1",
        "base_url": "${env:NS_URL}",
        "concurrency": 3,
        **{option: f"${{env:NS_{option.upper()}}}" for option in CREDS},
    }
    document = {"endpoints": {"ns": {"driver": "netsuite", "options": options}}}
    assert check_endpoints(document, DriverRegistry.default()) == []
    drivers = build_endpoints(document, tmp_path)
    try:
        assert drivers["ns"].create("customer", customer()).id == "1"
    finally:
        drivers["ns"].close()
    literal = {
        "endpoints": {"ns": {"driver": "netsuite", "options": {**options, "token_secret": "plain"}}}
    }
    assert [p.code for p in check_endpoints(literal, DriverRegistry.default())] == [
        "connections.literal-secret"
    ]


@pytest.mark.parametrize(("option", "value"), [("account", "12 34"), ("base_url", "ftp://x")])
def test_bad_options_are_config_errors(option: str, value: str) -> None:
    options: dict[str, Any] = {"account": "1234567", **CREDS, option: value}
    with pytest.raises(ConfigError):
        NetSuiteDriver(name="ns", options=options)
