"""Zuora creates carry an ``Idempotency-Key`` that follows the body.

Zuora stores the first answer to a key, refusals included, and replays it for 24 hours
(api-facts §1.6; the emulator does the same). A create refused by Zuora, then fixed at the
source, must be sent as a new request; the same create sent again must replay.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from engine.run.sync.keys import idempotency_key
from tests.sync.conftest import (
    NETSUITE_MAPPING,
    EnvFactory,
    SyncEnv,
    attention,
    ns_customer,
    zuora_account,
)


def _netsuite_master(make_env: EnvFactory) -> SyncEnv:
    """Zuora already has account number DUP-1; NetSuite customer 11 asks for it too."""
    return make_env(
        accounts=[zuora_account(1, number="DUP-1")],
        customers=[ns_customer(11, entity_id="DUP-1")],
        customer_account_master="netsuite",
    )


def _replays(env: SyncEnv) -> int:
    return int(env.zuora.state.idempotency.replays)


def _keys(env: SyncEnv, source_id: str) -> list[str]:
    """The keys the state file recorded for the record's creates (read with plain SQLite)."""
    db = sqlite3.connect(f"file:{env.state}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT idempotency_key FROM intents WHERE mapping = ? AND source_id = ? "
            "AND operation = 'create' ORDER BY id",
            (NETSUITE_MAPPING, source_id),
        )
        return [str(r[0]) for r in rows]
    finally:
        db.close()


def test_a_create_fixed_at_the_source_is_a_new_request(make_env: EnvFactory) -> None:
    env = _netsuite_master(make_env)

    _, first = env.sync()
    refused = attention(first, "11")
    assert refused["outcome"] == "rejected"
    assert "DUP-1 already exists" in refused["reason"]

    env.netsuite_update_customer("11", {"entityId": "NEW-11"})
    result, fixed = env.sync()

    assert result.code == 0, result.out + result.err
    assert fixed["totals"]["created"] == 1
    assert env.account_for("11")["accountNumber"] == "NEW-11"
    keys = _keys(env, "11")
    assert len(keys) == 2 and keys[0] != keys[1]


def test_the_same_create_sent_again_replays_the_stored_answer(make_env: EnvFactory) -> None:
    env = _netsuite_master(make_env)
    env.sync()
    replays = _replays(env)

    _, again = env.sync()  # nothing changed: the quarantined record is retried as it was

    assert attention(again, "11")["outcome"] == "rejected"
    assert _replays(env) == replays + 1  # Zuora answered from its store: the same key
    first, second = _keys(env, "11")
    assert first == second
    assert len(env.accounts()) == 1


def test_the_key_is_deterministic_and_follows_the_body() -> None:
    body: dict[str, Any] = {"name": "Acme", "billToContact": {"lastName": "Acme"}}
    key = idempotency_key("m", "11", "create", body)
    assert key == idempotency_key("m", "11", "create", dict(reversed(list(body.items()))))
    assert key != idempotency_key("m", "11", "create", {**body, "name": "Acme Ltd"})
    assert key != idempotency_key("m", "12", "create", body)
    assert key.startswith("ferry-") and len(key) <= 255
