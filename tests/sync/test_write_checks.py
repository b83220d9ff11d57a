"""A write is done when the endpoint says so about the right record.

* Write-back to Zuora: Zuora answers business errors with HTTP 200 and ``success: false``
  (api-facts §1.6); a 2xx whose body does not say ``success: true`` is not done.
* NetSuite upserts: the ``Location`` of the answer must name the record that carries the
  external id sent; one naming another record is refused, and nothing is linked to it.

Faults are set over the emulators' control endpoint, as an operator's test harness would.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import httpx
import pytest

from tests.sync.conftest import (
    ZUORA_MAPPING,
    EnvFactory,
    SyncEnv,
    attention,
    ns_customer,
    zuora_account,
)

REASON = {"code": 53100320, "message": "Invalid value for field IntegrationId__NS."}


def _fault(base_url: str, rule: dict[str, Any]) -> None:
    answer = httpx.post(base_url + "/__ferry/faults", json=rule)
    assert answer.status_code == 201, answer.text


def _writeback_answers(env: SyncEnv, body: dict[str, Any]) -> None:
    """Zuora's next account update (the write-back) answers HTTP 200 with ``body``."""
    rule = {"kind": "answer", "method": "PUT", "path": "/v1/accounts/*", "body": body}
    _fault(env.zuora.base_url, rule)


def _writebacks(env: SyncEnv, source_id: str) -> list[str]:
    """The statuses of the record's write-back intents in the state file, oldest first."""
    with closing(sqlite3.connect(f"file:{env.state}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT status FROM intents WHERE source_id = ? AND operation = 'writeback' "
            "ORDER BY id",
            (source_id,),
        )
        return [str(r[0]) for r in rows]


def _assert_writeback_retried(env: SyncEnv, account_id: str) -> None:
    assert env.account(account_id)["IntegrationId__NS"] is None  # nothing was written back
    assert env.crosswalk(ZUORA_MAPPING)[account_id]["tracked_at"] is None
    assert _writebacks(env, account_id) == ["failed"]  # not recorded as done

    result, report = env.sync()  # the next run writes it back

    assert result.code == 0, result.out + result.err
    customer = env.customer_for(account_id)
    assert env.account(account_id)["IntegrationId__NS"] == customer["id"]
    assert env.crosswalk(ZUORA_MAPPING)[account_id]["tracked_at"] is not None
    assert _writebacks(env, account_id) == ["failed", "done"]
    assert report["totals"]["created"] == 0 and len(env.customers()) == 1


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            {"success": False, "processId": "P1", "reasons": [REASON]},
            "53100320: Invalid value for field IntegrationId__NS.",
            id="success-false-with-zuoras-reasons",
        ),
        pytest.param({"processId": "P1", "reasons": [REASON]}, "53100320", id="no-success-at-all"),
    ],
)
def test_a_writeback_not_answered_success_true_is_a_failure(
    make_env: EnvFactory, body: dict[str, Any], reason: str
) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account])
    _writeback_answers(env, body)

    result, report = env.sync()

    assert result.code == 1
    entry = attention(report, account["id"])
    assert entry["outcome"] == "rejected"
    assert reason in entry["reason"]
    _assert_writeback_retried(env, account["id"])


def test_a_writeback_answered_with_an_empty_object_is_not_done(make_env: EnvFactory) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account])
    _fault(
        env.zuora.base_url,
        {"kind": "answer", "method": "PUT", "path": "/v1/accounts/*", "body": {}, "times": None},
    )

    result, report = env.sync()

    assert result.code == 1
    entry = attention(report, account["id"])
    assert entry["outcome"] == "failed"
    assert "without 'success': true" in entry["reason"]
    assert httpx.delete(env.zuora.base_url + "/__ferry/faults").status_code == 200
    _assert_writeback_retried(env, account["id"])


def test_an_upsert_whose_location_names_another_record_is_refused(make_env: EnvFactory) -> None:
    account = zuora_account(1)
    other = ns_customer(50, company="Someone Else Inc")
    env = make_env(accounts=[account], customers=[other])
    _fault(
        env.netsuite.base_url,
        {
            "kind": "wrong-location",
            "method": "PUT",
            "path": "/services/rest/record/v1/customer/eid:*",
            "body": "50",
        },
    )

    result, report = env.sync()

    assert result.code == 1
    entry = attention(report, account["id"])
    assert entry["outcome"] == "rejected"
    assert "customer 50, whose externalId is None" in entry["reason"]
    assert f"zuora-account-{account['id']}" in entry["reason"]
    assert account["id"] not in env.crosswalk(ZUORA_MAPPING)  # linked to nothing
    assert env.account(account["id"])["IntegrationId__NS"] is None

    result, report = env.sync()  # the Location is right again: linked to the record written

    assert result.code == 0, result.out + result.err
    ours = env.customer_for(account["id"])
    assert ours["id"] != "50"
    assert env.crosswalk(ZUORA_MAPPING)[account["id"]]["destination_id"] == ours["id"]
    assert env.account(account["id"])["IntegrationId__NS"] == ours["id"]
    assert env.customer("50")["companyName"] == "Someone Else Inc"
    assert "custentity_zuora_id" not in env.customer("50")


def test_an_update_writeback_refused_is_written_on_the_next_run(make_env: EnvFactory) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account])
    spec = env.specs / "customer.yaml"
    text = spec.read_text()
    assert "\n  on_link:\n" in text
    # the connector stamps Sync Date on every sync: an update writes back too
    stamp = '  on_update:\n    SyncDate__NS: {template: "{{ run.started_at }}"}\n  on_link:\n'
    spec.write_text(text.replace("\n  on_link:\n", "\n" + stamp, 1))
    _, first = env.sync()
    env.zuora_update_account(account["id"], {"accountNumber": "RENUMBERED-1"})
    _writeback_answers(env, {"success": False, "processId": "P2", "reasons": [REASON]})

    _, report = env.sync()  # NetSuite takes the new number; Zuora refuses its write-back

    assert attention(report, account["id"])["outcome"] == "rejected"
    assert env.customer_for(account["id"])["entityId"] == "RENUMBERED-1"
    assert env.account(account["id"])["SyncDate__NS"] == first["started_at"]

    result, report = env.sync()

    assert result.code == 0, result.out + result.err
    assert env.account(account["id"])["SyncDate__NS"] == report["started_at"]
    assert report["totals"]["updated"] == 0 and len(env.customers()) == 1
