"""Idempotency-Key: replay of first answers (success or failure), 409 in progress, 422 reuse,
and the 24-hour window."""

from __future__ import annotations

import threading
import time
import uuid

import httpx

from .conftest import Zuora, account_body, post_json


def _key() -> str:
    return str(uuid.uuid4())


def _named(zuora: Zuora, name: str) -> int:
    return sum(1 for a in zuora.store.table("accounts").values() if a["name"] == name)


def test_same_key_replays_the_first_answer(zuora: Zuora, api: httpx.Client) -> None:
    key, body = _key(), account_body()
    first = post_json(api, "/v1/accounts", body, headers={"Idempotency-Key": key})
    again = post_json(api, "/v1/accounts", body, headers={"Idempotency-Key": key})
    assert again.status_code == first.status_code == 200
    assert again.json() == first.json()
    assert _named(zuora, body["name"]) == 1
    assert again.headers["Zuora-Request-Id"] != first.headers["Zuora-Request-Id"]


def test_failures_are_stored_and_replayed_too(zuora: Zuora, api: httpx.Client) -> None:
    key, body = _key(), account_body()
    bad = post_json(
        api, "/v1/accounts", {**body, "currency": "??"}, headers={"Idempotency-Key": key}
    )
    assert bad.status_code == 400
    replay = post_json(api, "/v1/accounts", body, headers={"Idempotency-Key": key})
    assert (replay.status_code, replay.json()) == (400, bad.json())
    assert _named(zuora, body["name"]) == 0


def test_key_reused_on_another_url_is_422(api: httpx.Client) -> None:
    key = _key()
    post_json(api, "/v1/accounts", account_body(), headers={"Idempotency-Key": key})
    other = post_json(api, "/v1/payments", {"amount": 1}, headers={"Idempotency-Key": key})
    assert other.status_code == 422
    assert other.json()["success"] is False


def test_key_in_progress_is_409(zuora: Zuora, api: httpx.Client) -> None:
    key, body = _key(), account_body()
    zuora.app.state.faults.add(
        {"kind": "slow", "method": "POST", "path": "/v1/accounts", "delay": 1.0}
    )
    results: dict[str, httpx.Response] = {}
    slow = threading.Thread(
        target=lambda: results.update(
            first=post_json(api, "/v1/accounts", body, headers={"Idempotency-Key": key})
        )
    )
    slow.start()
    entries = zuora.app.state.idempotency.entries
    deadline = time.monotonic() + 5
    while key not in entries and time.monotonic() < deadline:
        time.sleep(0.01)
    with zuora.client() as other:
        busy = post_json(other, "/v1/accounts", body, headers={"Idempotency-Key": key})
    slow.join()
    assert busy.status_code == 409
    assert results["first"].status_code == 200
    assert _named(zuora, body["name"]) == 1


def test_replay_window_is_24_hours(zuora: Zuora, api: httpx.Client) -> None:
    key, body = _key(), account_body()
    post_json(api, "/v1/accounts", body, headers={"Idempotency-Key": key})
    zuora.clock.advance(hours=25)
    with zuora.client() as fresh:  # the old token expired with the clock move
        post_json(fresh, "/v1/accounts", body, headers={"Idempotency-Key": key})
    assert _named(zuora, body["name"]) == 2


def test_get_and_put_ignore_the_key(zuora: Zuora, api: httpx.Client) -> None:
    account = post_json(api, "/v1/accounts", account_body()).json()["accountId"]
    key = _key()
    for name in ("one", "two"):
        api.put(f"/v1/accounts/{account}", json={"notes": name}, headers={"Idempotency-Key": key})
    assert zuora.store.table("accounts")[account]["notes"] == "two"
