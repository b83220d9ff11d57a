"""Rules every run follows: nothing written twice, bad records isolated and retried, held
records retried, one run per state file, a damaged state file never replaced."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from engine.errors import StateLockedError
from engine.run.state import StateStore
from tests.sync.conftest import (
    NETSUITE_MAPPING,
    ZUORA_MAPPING,
    EnvFactory,
    SyncEnv,
    attention,
    ns_customer,
    zuora_account,
)

CURRENCIES_WITH_AUD = {"currency": {"1": "USD", "2": "GBP", "3": "CAD", "4": "EUR", "5": "AUD"}}

# --- nothing changed, nothing written ------------------------------------------------------------


def test_second_sync_without_changes_writes_nothing_zuora_master(make_env: EnvFactory) -> None:
    accounts = [zuora_account(n, person=n % 2 == 0) for n in range(1, 6)]
    env = make_env(accounts=accounts)
    first, report = env.sync()
    assert (first.code, report["totals"]["created"]) == (0, 5)
    assert env.netsuite.writes == 5 and env.zuora.writes == 5  # upserts, tracking write-backs

    env.reset_counts()
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["created"] + report["totals"]["updated"] == 0
    assert report["totals"]["linked"] == 0
    assert env.zuora.writes + env.netsuite.writes == 0
    assert len(env.customers()) == 5


def test_second_sync_without_changes_writes_nothing_netsuite_master(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(n, person=n == 3) for n in range(11, 16)],
        customer_account_master="netsuite",
    )
    first, report = env.sync()
    assert (first.code, report["totals"]["created"]) == (0, 5)

    env.reset_counts()
    result, report = env.sync()

    assert result.code == 0
    assert report["totals"]["created"] + report["totals"]["updated"] == 0
    assert env.zuora.writes + env.netsuite.writes == 0
    assert len(env.accounts()) == 5


# --- quarantine ----------------------------------------------------------------------------------


def _quarantine_list(env: SyncEnv) -> list[dict[str, object]]:
    listed = env.ferry("quarantine", "--state", env.state, "--format", "json")
    assert listed.code == 0, listed.err
    entries: list[dict[str, object]] = listed.json()
    return entries


def test_invalid_record_is_quarantined_with_a_located_reason(make_env: EnvFactory) -> None:
    good, bad, other = zuora_account(1), zuora_account(2, currency="AUD"), zuora_account(3)
    env = make_env(accounts=[good, bad, other])

    result, report = env.sync()

    assert result.code == 1
    assert report["status"] == "completed-with-errors"
    assert report["totals"]["created"] == 2
    assert set(env.customers_by_zuora_id()) == {good["id"], other["id"]}
    entry = attention(report, bad["id"])
    assert entry["outcome"] == "invalid"
    reason = entry["reason"]
    assert "customer.yaml:" in reason  # file:line:column of the failing field
    assert "field 'currency'" in reason and "AUD" in reason
    assert f"invalid: {ZUORA_MAPPING} {bad['id']}" in result.out
    listed = _quarantine_list(env)
    assert [(e["source_id"], e["kind"]) for e in listed] == [(bad["id"], "invalid")]
    table = env.ferry("quarantine", "--state", env.state)
    assert bad["id"] in table.out and "AUD" in table.out
    assert "1 quarantined record(s)" in table.err
    # the failing record's account is untouched by tracking
    assert env.account(bad["id"])["IntegrationStatus__NS"] is None


def test_quarantined_record_is_retried_and_released_once_the_spec_is_fixed(
    make_env: EnvFactory,
) -> None:
    bad = zuora_account(2, currency="AUD")
    accounts = [zuora_account(1), bad, zuora_account(3)]
    env = make_env(accounts=accounts, ns_lists=CURRENCIES_WITH_AUD)
    assert env.sync()[0].code == 1

    # retried on the next run even though the record did not change
    result, _ = env.sync()
    assert result.code == 1
    assert _quarantine_list(env)[0]["attempts"] == 2

    customer_spec = env.specs / "customer.yaml"
    customer_spec.write_text(
        customer_spec.read_text().replace('EUR: {id: "4"}', 'EUR: {id: "4"}\n    AUD: {id: "5"}')
    )
    result, report = env.sync()

    assert result.code == 0, report["attention"]
    assert env.customer_for(bad["id"])["currency"] == {"id": "5"}
    assert _quarantine_list(env) == []


def test_quarantined_record_is_released_after_the_source_is_fixed(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[
            ns_customer(11, entity_id="C-11"),
            ns_customer(12, entity_id="C-12", currency="5"),
        ],
        ns_lists=CURRENCIES_WITH_AUD,
        customer_account_master="netsuite",
    )
    result, report = env.sync()
    assert result.code == 1
    entry = attention(report, "12")
    assert entry["outcome"] == "invalid"
    assert "customer-from-netsuite.yaml:" in entry["reason"]
    assert "field 'currency'" in entry["reason"]
    assert [e["source_id"] for e in _quarantine_list(env)] == ["12"]
    assert set(env.accounts_by_integration_id()) == {"11"}

    env.netsuite_update_customer("12", {"currency": {"id": "4"}})
    result, report = env.sync()

    assert result.code == 0, report["attention"]
    assert env.account_for("12")["currency"] == "EUR"
    assert _quarantine_list(env) == []
    runs = env.ferry("runs", "--state", env.state, "--format", "json").json()
    assert [r["status"] for r in runs] == ["succeeded", "completed-with-errors"]


def test_record_rejected_by_the_destination_is_quarantined_then_released(
    make_env: EnvFactory,
) -> None:
    """Two accounts named alike map to the same NetSuite Customer ID (names are not unique).
    They are written concurrently, so either may be the one NetSuite refuses."""
    twins = {
        a["id"]: a for a in (zuora_account(1, name="Acme Ltd"), zuora_account(2, name="Acme Ltd"))
    }
    env = make_env(
        accounts=[*twins.values(), zuora_account(3)], account_number_mapping="source_name"
    )

    result, report = env.sync()

    assert result.code == 1
    assert report["totals"]["created"] == 2
    refused = [a for a in report["attention"] if a["outcome"] == "rejected"]
    assert len(refused) == 1 and refused[0]["source_id"] in twins, report["attention"]
    clash = refused[0]["source_id"]
    (kept,) = set(twins) - {clash}
    assert "DUP_ENTITY" in refused[0]["reason"]
    assert [(e["source_id"], e["kind"]) for e in _quarantine_list(env)] == [(clash, "rejected")]
    assert env.customer_for(kept)["entityId"] == "Acme Ltd"

    env.zuora_update_account(clash, {"name": "Acme Two Ltd"})
    result, report = env.sync()

    assert result.code == 0, report["attention"]
    assert env.customer_for(clash)["entityId"] == "Acme Two Ltd"
    assert env.customer_for(kept)["entityId"] == "Acme Ltd"
    assert _quarantine_list(env) == []


def test_dismissed_record_is_not_retried_until_retry_is_asked(make_env: EnvFactory) -> None:
    bad = zuora_account(2, currency="AUD")
    env = make_env(accounts=[zuora_account(1), bad, zuora_account(3)])
    env.sync()

    dismissed = env.ferry("quarantine", "dismiss", ZUORA_MAPPING, bad["id"], "--state", env.state)
    assert dismissed.code == 0, dismissed.err
    assert _quarantine_list(env) == []
    listed = env.ferry("quarantine", "--all", "--state", env.state, "--format", "json").json()
    assert [(e["source_id"], e["status"]) for e in listed] == [(bad["id"], "dismissed")]
    result, report = env.sync()
    assert result.code == 0, report["attention"]
    assert report["totals"]["invalid"] == 0

    retried = env.ferry("quarantine", "retry", ZUORA_MAPPING, bad["id"], "--state", env.state)
    assert retried.code == 0, retried.err
    result, report = env.sync()

    assert result.code == 1
    assert attention(report, bad["id"])["outcome"] == "invalid"
    assert _quarantine_list(env)[0]["attempts"] == 2
    run_id = report["run_id"]
    records = env.ferry("runs", str(run_id), "--state", env.state, "--format", "json").json()
    outcomes = {r["source_id"]: r["outcome"] for r in records}
    assert outcomes[bad["id"]] == "invalid"
    assert set(outcomes.values()) <= {"invalid", "unchanged"}


def test_a_quarantined_record_is_processed_once_per_run(make_env: EnvFactory) -> None:
    bad = zuora_account(9, currency="AUD")  # the newest record: the watermark lands on it
    env = make_env(accounts=[zuora_account(1), bad])
    env.sync()

    result, report = env.sync()

    assert result.code == 1
    assert report["totals"]["invalid"] == 1
    assert _quarantine_list(env)[0]["attempts"] == 2


def test_a_dismissed_record_stays_dismissed_until_it_changes(make_env: EnvFactory) -> None:
    bad = zuora_account(9, currency="AUD")  # the newest record: the watermark lands on it
    env = make_env(accounts=[zuora_account(1), bad])
    env.sync()
    env.ferry("quarantine", "dismiss", ZUORA_MAPPING, bad["id"], "--state", env.state)

    result, report = env.sync()

    assert _quarantine_list(env) == []
    assert (result.code, report["totals"]["invalid"]) == (0, 0)


# --- held records --------------------------------------------------------------------------------

# A second mapping that needs each account's customer first, run before the customer mapping:
# on the first run every record is held; on the next it finds its parent and is written.
_NOTE_MAPPING = """apiVersion: ferry/v1
kind: Mapping
metadata: {name: e2e/customer-note, version: 1}
settings: settings.yaml
order: 5
source: {endpoint: zuora, object: account}
destination: {endpoint: netsuite, object: customer}
identity:
  external_id: {template: "zuora-account-{{ record.id }}"}
  match:
    - {to: custentity_zuora_id, from: id}
behavior:
  sync: new_and_modified
requires:
  - {mapping: zuora-netsuite/customer, from: id, as: customer}
fields:
  - to: comments
    template: "Zuora account {{ record.accountNumber }} is customer {{ parents.customer }}"
"""


def test_held_record_is_retried_when_its_parent_has_synced(make_env: EnvFactory) -> None:
    accounts = [zuora_account(1), zuora_account(2)]
    env = make_env(accounts=accounts)
    (env.specs / "customer-note.yaml").write_text(_NOTE_MAPPING)

    result, report = env.sync()

    assert result.code == 0  # held is not an error
    counts = {m["name"]: m["counts"] for m in report["mappings"]}
    assert counts["e2e/customer-note"]["held"] == 2
    assert counts[ZUORA_MAPPING]["created"] == 2
    held = attention(report, accounts[0]["id"])
    assert held["outcome"] == "held"
    assert f"{ZUORA_MAPPING}:{accounts[0]['id']}" in held["reason"]
    assert {e["kind"] for e in _quarantine_list(env)} == {"held"}
    assert all("comments" not in c for c in env.customers())

    result, report = env.sync()

    assert result.code == 0
    counts = {m["name"]: m["counts"] for m in report["mappings"]}
    assert counts["e2e/customer-note"]["linked"] == 2
    for account in accounts:
        customer = env.customer_for(account["id"])
        assert customer["comments"] == (
            f"Zuora account {account['accountNumber']} is customer {customer['id']}"
        )
    assert _quarantine_list(env) == []
    assert len(env.customers()) == 2


# --- one run at a time ---------------------------------------------------------------------------


def _slow_netsuite_writes(env: SyncEnv, delay: float) -> None:
    answer = httpx.post(
        env.netsuite.base_url + "/__ferry/faults",
        json={
            "kind": "slow",
            "method": "PUT",
            "path": "/services/rest/record/*",
            "delay": delay,
            "times": None,
        },
    )
    assert answer.status_code in (200, 201), answer.text


def test_a_second_sync_on_the_same_state_file_is_refused(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(n) for n in range(1, 5)])
    # every NetSuite write answers after 3 s: the first run is still writing (and holds the
    # state file) while the second one starts up and tries
    _slow_netsuite_writes(env, 3.0)
    outcome: dict[str, object] = {}

    def first_run() -> None:
        outcome["first"] = env.sync()

    runner = threading.Thread(target=first_run)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while env.netsuite.writes == 0:  # the first run holds the lock while it writes
            assert time.monotonic() < deadline, "the first sync never started writing"
            time.sleep(0.02)

        second = env.ferry(
            "sync", env.specs, "--connections", env.connections, "--state", env.state
        )
        assert second.code == 3
        assert "another run is using this state file" in second.err
        with pytest.raises(StateLockedError):
            StateStore.open(env.state)
    finally:
        runner.join(timeout=60)

    first, report = outcome["first"]  # type: ignore[misc]
    assert first.code == 0
    assert report["totals"]["created"] == 4
    runs = env.ferry("runs", "--state", env.state, "--format", "json").json()
    assert len(runs) == 1  # the refused run left no trace


# --- damaged state -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the state file is empty"),
        (b"\x00\xffnot a database at all\x13" * 200, "not a readable state file"),
        (b"SQLite format 3\x00" + b"\x00" * 84 + b"garbage" * 600, "state file"),
    ],
    ids=["empty", "garbage", "torn-header"],
)
def test_damaged_state_file_stops_the_run_and_is_left_as_it_was(
    make_env: EnvFactory, content: bytes, message: str
) -> None:
    env = make_env(accounts=[zuora_account(1)])
    env.state.write_bytes(content)

    result, report = env.sync()

    assert result.code == 3
    assert message in result.err
    assert str(env.state) in result.err
    assert "Traceback" not in result.err
    # no run happened, and the report says why (it is written however a sync ends)
    assert (report["status"], report["run_id"]) == ("failed", None)
    assert message in report["error"]
    assert env.state.read_bytes() == content
    assert not Path(str(env.state) + "-wal").exists()
    assert env.customers() == []
    assert env.zuora.writes + env.netsuite.writes == 0
    # the other commands say the same instead of starting a new state
    listed = env.ferry("runs", "--state", env.state)
    assert listed.code == 3
    assert env.state.read_bytes() == content


def test_a_foreign_sqlite_file_is_not_taken_over(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(1)])
    conn = sqlite3.connect(env.state)
    conn.execute("CREATE TABLE invoices (id TEXT)")
    conn.commit()
    conn.close()

    result, _ = env.sync()

    assert result.code == 3
    assert "not a Ferry state file" in result.err
    assert env.customers() == []
    assert env.zuora.writes + env.netsuite.writes == 0
    with sqlite3.connect(env.state) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]


def test_a_foreign_sqlite_file_is_left_as_it_was(make_env: EnvFactory) -> None:
    env = make_env(accounts=[zuora_account(1)])
    conn = sqlite3.connect(env.state)
    conn.execute("CREATE TABLE invoices (id TEXT)")
    conn.commit()
    conn.close()
    before = env.state.read_bytes()

    result, _ = env.sync()

    assert result.code == 3
    assert env.state.read_bytes() == before


# --- crosswalk -----------------------------------------------------------------------------------


def test_crosswalk_matches_the_destination(make_env: EnvFactory) -> None:
    env = make_env(
        customers=[ns_customer(n) for n in range(11, 15)], customer_account_master="netsuite"
    )
    env.sync()

    crosswalk = env.crosswalk(NETSUITE_MAPPING)

    assert set(crosswalk) == {"11", "12", "13", "14"}
    for source_id, row in crosswalk.items():
        assert env.account_for(source_id)["id"] == row["destination_id"]
        assert env.customer(source_id)["custentity_zuora_id"] == row["destination_id"]


# --- tracking write-back -------------------------------------------------------------------------


def test_an_unfinished_tracking_write_back_is_completed_on_the_next_run(
    make_env: EnvFactory,
) -> None:
    account = zuora_account(1)
    env = make_env(accounts=[account, zuora_account(2)])
    # Zuora refuses the tracking write-back of the first run (429 on every attempt)
    answer = httpx.post(
        env.zuora.base_url + "/__ferry/faults",
        json={
            "kind": "429",
            "method": "PUT",
            "path": f"/v1/accounts/{account['id']}",
            "retry_after": 0,
            "times": 5,
        },
    )
    assert answer.status_code in (200, 201), answer.text
    result, report = env.sync()
    assert result.code == 1
    assert attention(report, account["id"])["outcome"] == "failed"
    customer = env.customer_for(account["id"])  # the customer itself was written
    assert env.account(account["id"])["IntegrationId__NS"] is None

    result, report = env.sync()

    assert result.code == 0, report.get("error")
    tracked = env.account(account["id"])
    assert tracked["IntegrationId__NS"] == customer["id"]
    assert tracked["IntegrationStatus__NS"] == "Sync Complete"
    assert _quarantine_list(env) == []
    assert len(env.customers()) == 2
