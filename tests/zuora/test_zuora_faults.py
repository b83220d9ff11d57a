"""Injected faults through the driver: what is retried, what surfaces, and that an ambiguous
create resent with its Idempotency-Key makes exactly one account."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from engine.errors import AmbiguousWriteError, RateLimitedError
from engine.run.drivers.zuora import ZuoraDriver, classify

from .conftest import MovableClock, Zuora, account_body, start, unique


def _named(zuora: Zuora, name: str) -> list[str]:
    return [a["id"] for a in zuora.store.table("accounts").values() if a["name"] == name]


def _hits(zuora: Zuora) -> int:
    return sum(rule["hits"] for rule in zuora.app.state.faults.describe())


def test_429_with_retry_after_is_waited_and_retried(zuora: Zuora, driver: ZuoraDriver) -> None:
    zuora.app.state.faults.add({"kind": "429", "path": "/object-query/*", "retry_after": 1})
    assert driver.find("account", {"name": "nobody"}) == []
    assert _hits(zuora) == 1


def test_503_on_create_is_retried_and_creates_once(zuora: Zuora, driver: ZuoraDriver) -> None:
    zuora.app.state.faults.add(
        {"kind": "503", "method": "POST", "path": "/v1/accounts", "times": 2}
    )
    body = account_body()
    result = driver.create("account", body)
    assert _named(zuora, body["name"]) == [result.id]
    assert _hits(zuora) == 2


def test_token_endpoint_rate_limit_is_retried(zuora: Zuora) -> None:
    driver = zuora.driver()
    zuora.app.state.faults.add({"kind": "429", "path": "/oauth/token", "retry_after": 0})
    assert driver.find("account", {"name": "nobody"}) == []
    driver.close()


def test_drop_after_apply_then_resend_with_the_same_key(zuora: Zuora, driver: ZuoraDriver) -> None:
    zuora.app.state.faults.add(
        {"kind": "drop-after-apply", "method": "POST", "path": "/v1/accounts"}
    )
    body, key = account_body(), str(uuid.uuid4())
    with pytest.raises(AmbiguousWriteError):
        driver.create("account", body, idempotency_key=key)
    applied = _named(zuora, body["name"])
    assert len(applied) == 1  # applied, but the caller could not know
    replays = zuora.app.state.idempotency.replays
    again = driver.create("account", body, idempotency_key=key)
    assert again.id == applied[0]
    assert _named(zuora, body["name"]) == applied
    assert zuora.app.state.idempotency.replays == replays + 1


def test_drop_after_apply_without_a_key_is_not_resent(zuora: Zuora, driver: ZuoraDriver) -> None:
    zuora.app.state.faults.add(
        {"kind": "drop-after-apply", "method": "POST", "path": "/v1/accounts"}
    )
    body = account_body()
    with pytest.raises(AmbiguousWriteError):
        driver.create("account", body)
    assert len(_named(zuora, body["name"])) == 1
    found = driver.find("account", {"name": body["name"]})  # how a caller reconciles
    assert [r["id"] for r in found] == _named(zuora, body["name"])


def test_ambiguous_update_is_retried_because_put_is_idempotent(
    zuora: Zuora, driver: ZuoraDriver
) -> None:
    account = driver.create("account", account_body()).id
    zuora.app.state.faults.add(
        {"kind": "drop-after-apply", "method": "PUT", "path": f"/v1/accounts/{account}"}
    )
    driver.update("account", account, {"notes": "twice is fine"})
    assert zuora.store.table("accounts")[account]["notes"] == "twice is fine"


@pytest.fixture(scope="module")
def limited() -> Iterator[Zuora]:
    yield from start(MovableClock(), concurrency_limit=1)


def test_concurrency_limit_answers_429_envelope(limited: Zuora) -> None:
    limited.app.state.faults.add({"kind": "slow", "path": "/object-query/accounts", "delay": 1.0})
    with limited.client() as first, limited.client() as second:
        slow = threading.Thread(target=lambda: first.get("/object-query/accounts"))
        slow.start()
        gate = limited.app.state.gate
        deadline = time.monotonic() + 5
        while gate.in_flight < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        refused = second.get("/object-query/accounts")
        slow.join()
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "1"
    assert refused.json()["reasons"][0]["code"] == 50000070
    error = classify(refused)
    assert isinstance(error, RateLimitedError) and error.retry_after == 1
    assert limited.app.state.faults.describe()[0]["hits"] == 1
    limited.app.state.faults.clear()


def test_fault_control_endpoint_needs_no_token(zuora: Zuora) -> None:
    rule = {"kind": "503", "path": "/v1/accounts/*", "method": "GET"}
    added = httpx.post(zuora.base_url + "/__ferry/faults", json=rule)
    assert added.status_code == 201
    with zuora.client() as client:
        assert client.get(f"/v1/accounts/{unique()}").status_code == 503
    assert httpx.delete(zuora.base_url + "/__ferry/faults").json() == {"cleared": 1}
