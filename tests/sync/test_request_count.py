"""How many NetSuite requests a customer sync makes, counted by the emulator (``/__ferry/stats``).

An upsert answers ``204`` with the internal id in ``Location``: a created customer costs one
write, and its confirmation (externalId, the number NetSuite kept) comes from one SuiteQL query
per batch of records (``CONFIRM_BATCH``, a few more as the run ends), never a GET per record.
"""

from __future__ import annotations

import math

import httpx

from engine.emulators.faults import STATS_PATH, FaultRule
from engine.run.sync.connect import close_endpoints, open_endpoints
from engine.run.sync.flow import CONFIRM_BATCH, TAIL_CONFIRMS
from engine.run.sync.project import load_project
from engine.run.sync.run import run_sync
from tests.sync.conftest import EnvFactory, SyncEnv, zuora_account

ACCOUNTS = 45


def _requests(base_url: str) -> dict[str, int]:
    counts: dict[str, int] = httpx.get(base_url + STATS_PATH).json()["requests"]
    return counts


def test_a_full_customer_sync_writes_each_record_once_and_confirms_in_batches(
    make_env: EnvFactory,
) -> None:
    accounts = [zuora_account(n) for n in range(1, ACCOUNTS + 1)]
    env = make_env(accounts=accounts)
    env.reset_counts()

    result, report = env.sync()

    assert result.code == 0, result.output
    created = report["totals"]["created"]
    assert created == ACCOUNTS
    netsuite = _requests(env.netsuite.base_url)
    assert env.netsuite.writes == created  # one PUT per created customer
    assert netsuite.get("PUT", 0) == created
    assert netsuite.get("PATCH", 0) == 0
    # GETs: the credential preflight's metadata read only, none per record
    assert netsuite.get("GET", 0) <= 1
    # SuiteQL: the natural-key prefetch of the one source page, then the confirmations (a
    # batch's, and at most TAIL_CONFIRMS more while the last writes are in flight)
    assert netsuite.get("POST", 0) <= 1 + math.ceil(created / CONFIRM_BATCH) + TAIL_CONFIRMS
    # the confirmation read what NetSuite holds: every account points at its own customer
    for account in accounts:
        customer = env.customer_for(account["id"])
        assert customer["externalId"] == f"zuora-account-{account['id']}"
        assert env.account(account["id"])["IntegrationId__NS"] == customer["id"]


def test_a_slow_write_does_not_hold_back_the_records_read_after_it(make_env: EnvFactory) -> None:
    """Records flow to the writers as they are read: while one record's PUT is slow, the
    records after it, on its page and on the pages read after it, are written and finish first
    (a page batch would have reported them after it, in page order)."""
    accounts = [zuora_account(n) for n in range(1, 13)]
    slow = accounts[1]
    env = make_env(accounts=accounts)
    zuora_options = 'client_secret: "${env:ZUORA_CLIENT_SECRET}"'
    text = env.connections.read_text()
    assert zuora_options in text
    env.connections.write_text(text.replace(zuora_options, zuora_options + "\n      page_size: 4"))
    env.netsuite.app.plan.add(
        FaultRule(
            kind="slow",
            method="PUT",
            path=f"/services/rest/record/v1/customer/eid:zuora-account-{slow['id']}",
            delay=2.0,
        )
    )
    finished: list[str] = []
    endpoints = open_endpoints(env.connections)
    try:
        report = run_sync(
            load_project([env.specs]),
            endpoints,
            env.state,
            on_result=lambda r: finished.append(r.source_id),
        )
    finally:
        close_endpoints(endpoints)

    assert report.totals()["created"] == len(accounts)
    assert sorted(finished) == sorted(a["id"] for a in accounts)  # each reported once
    assert finished[-1] == slow["id"]  # every other record finished before the slow one
    assert env.customer_for(slow["id"])["externalId"] == f"zuora-account-{slow['id']}"


def test_tracking_reads_the_number_netsuite_assigned_from_the_batched_confirmation(
    make_env: EnvFactory,
) -> None:
    """A tracking template reading ``destination.entityId`` gets the number NetSuite assigned,
    read with the batch's SuiteQL query: still no GET per record."""
    accounts = [zuora_account(n) for n in range(1, 4)]
    env = make_env(
        accounts=accounts,
        ns_autonumber={"enabled": True, "prefix": "CUST", "allow_override": True},
        numbering={"enabled": True, "allow_override": True, "allow_update": True},
        account_number_mapping="destination_auto_number",
    )
    spec = env.specs / "customer.yaml"
    status = '  on_create:\n    IntegrationId__NS: {template: "{{ destination.id }}"}\n'
    status += "    IntegrationStatus__NS: {value: Sync Complete}\n"
    text = spec.read_text()
    assert text.count(status) == 1
    numbered = status.replace("{value: Sync Complete}", '{template: "{{ destination.entityId }}"}')
    spec.write_text(text.replace(status, numbered))
    env.reset_counts()

    result, report = env.sync()

    assert result.code == 0, result.out
    assert report["totals"]["created"] == len(accounts)
    assert _requests(env.netsuite.base_url).get("GET", 0) <= 1  # the preflight's only
    for account in accounts:
        customer = env.customer_for(account["id"])
        assert customer["entityId"].startswith("CUST")
        assert env.account(account["id"])["IntegrationStatus__NS"] == customer["entityId"]


def _rename_and_update(env: SyncEnv, account_id: str, name: str) -> dict[str, int]:
    """Rename one synced account in Zuora, sync again (one update, one PATCH) and return the
    NetSuite requests of that second sync by method."""
    env.zuora_update_account(account_id, {"name": name})
    env.reset_counts()

    result, report = env.sync()

    assert result.code == 0, result.output
    assert report["totals"]["updated"] == 1
    netsuite = _requests(env.netsuite.base_url)
    assert netsuite.get("PATCH", 0) == 1
    return netsuite


def test_an_update_reads_the_customer_once_and_writes_it_once(make_env: EnvFactory) -> None:
    """The shipped spec's updates track nothing of the destination: the update reads the
    customer (to send only what differs there) and PATCHes it, with no read-back GET after."""
    accounts = [zuora_account(n) for n in range(1, 4)]
    env = make_env(accounts=accounts)
    assert env.sync()[0].code == 0
    netsuite = _rename_and_update(env, accounts[0]["id"], "Renamed Once Ltd")

    assert netsuite.get("GET", 0) <= 2  # the preflight's metadata read, the customer before
    assert env.customer_for(accounts[0]["id"])["companyName"] == "Renamed Once Ltd"


def test_update_tracking_that_reads_the_destination_still_reads_it_back(
    make_env: EnvFactory,
) -> None:
    """An ``on_update`` template reading ``destination.entityId`` sees the customer as NetSuite
    keeps it after the PATCH, read back with one GET."""
    accounts = [zuora_account(n) for n in range(1, 3)]
    env = make_env(accounts=accounts)
    spec = env.specs / "customer.yaml"
    text = spec.read_text()
    assert text.count("tracking:\n") == 1
    on_update = (
        '  on_update:\n    IntegrationStatus__NS: {template: "{{ destination.entityId }}"}\n'
    )
    spec.write_text(text.replace("tracking:\n", "tracking:\n" + on_update))
    assert env.sync()[0].code == 0
    netsuite = _rename_and_update(env, accounts[0]["id"], "Renamed Twice Ltd")

    assert netsuite.get("GET", 0) == 3  # preflight, the customer before, the read-back
    customer = env.customer_for(accounts[0]["id"])
    assert env.account(accounts[0]["id"])["IntegrationStatus__NS"] == customer["entityId"]
