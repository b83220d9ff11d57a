"""An update's or a link's write-back to Zuora does not hold a NetSuite slot.

The write-back goes to the source, so it runs on the source's pool: with one NetSuite slot
(so one writer thread) and every write-back answered slowly by Zuora, the writer does the next
record's NetSuite work while the first record's write-back waits, and that record's write-back
joins it. Shown with the Zuora emulator's own count of requests in flight at once: both
write-backs were open together. Were the write-back on the writer, the second record's NetSuite
requests, and so its write-back, would only start once the first write-back was answered
(peak 1).
"""

from __future__ import annotations

from typing import Any

import httpx

from engine.emulators.faults import STATS_PATH
from engine.run.sync.connect import close_endpoints, open_endpoints
from engine.run.sync.outcomes import RunReport
from engine.run.sync.project import load_project
from engine.run.sync.run import run_sync
from tests.sync.conftest import EnvFactory, SyncEnv, ns_customer, zuora_account

SLOW_WRITE_BACK = 2.0  # seconds Zuora takes to answer each write-back


def _stats(base_url: str) -> dict[str, Any]:
    stats: dict[str, Any] = httpx.get(base_url + STATS_PATH).json()
    return stats


def _one_slot(env: SyncEnv) -> None:
    text = env.connections.read_text()
    assert "concurrency: 4" in text
    env.connections.write_text(text.replace("concurrency: 4", "concurrency: 1"))


def _slow_write_backs(env: SyncEnv, accounts: list[dict[str, Any]]) -> None:
    env.zuora.arm_faults(
        *(
            {
                "kind": "slow",
                "method": "PUT",
                "path": f"/v1/accounts/{a['id']}",
                "delay": SLOW_WRITE_BACK,
            }
            for a in accounts
        )
    )


def _sync(env: SyncEnv) -> tuple[RunReport, dict[str, Any], dict[str, Any]]:
    """Sync; the report, and the Zuora and NetSuite emulators' stats of the run."""
    endpoints = open_endpoints(env.connections)
    env.reset_counts()
    try:
        report = run_sync(load_project([env.specs]), endpoints, env.state)
    finally:
        close_endpoints(endpoints)
    return report, _stats(env.zuora.base_url), _stats(env.netsuite.base_url)


def test_an_updates_write_back_leaves_the_netsuite_slot_to_the_next_record(
    make_env: EnvFactory,
) -> None:
    accounts = [zuora_account(n) for n in range(1, 3)]
    env = make_env(accounts=accounts)
    assert env.sync()[0].code == 0
    spec = env.specs / "customer.yaml"
    text = spec.read_text()
    assert text.count("  on_link:\n") == 1
    on_update = '  on_update:\n    SyncDate__NS: {template: "{{ run.started_at }}"}\n'
    spec.write_text(text.replace("  on_link:\n", on_update + "  on_link:\n"))
    for account in accounts:
        env.zuora_update_account(account["id"], {"name": f"Renamed {account['id']} Ltd"})
    _one_slot(env)
    _slow_write_backs(env, accounts)

    report, zuora, netsuite = _sync(env)

    assert report.status == "succeeded", report.error
    assert report.totals()["updated"] == len(accounts)
    assert netsuite["requests"].get("PATCH") == len(accounts)
    assert netsuite["peak_in_flight"] == 1  # one slot
    assert zuora["requests"].get("PUT") == len(accounts)  # the write-backs
    assert zuora["peak_in_flight"] == len(accounts)  # both open at once, off the writer
    for account in accounts:
        assert env.customer_for(account["id"])["companyName"] == f"Renamed {account['id']} Ltd"
        assert env.account(account["id"])["SyncDate__NS"]  # the update's write-back landed
    assert env.pending_intents() == []


def test_a_links_write_back_leaves_the_netsuite_slot_to_the_next_record(
    make_env: EnvFactory,
) -> None:
    accounts = [zuora_account(n) for n in range(1, 3)]
    customers = [
        ns_customer(20 + n, custentity_zuora_id=a["id"]) for n, a in enumerate(accounts, 1)
    ]
    env = make_env(accounts=accounts, customers=customers)
    _one_slot(env)
    _slow_write_backs(env, accounts)

    report, zuora, netsuite = _sync(env)

    assert report.status == "succeeded", report.error
    assert report.totals()["linked"] == len(accounts)
    assert netsuite["peak_in_flight"] == 1  # one slot
    assert zuora["requests"].get("PUT") == len(accounts)  # the write-backs
    assert zuora["peak_in_flight"] == len(accounts)  # both open at once, off the writer
    for n, account in enumerate(accounts, 1):
        tracked = env.account(account["id"])
        assert tracked["IntegrationId__NS"] == str(20 + n)
        assert tracked["IntegrationStatus__NS"] == "Sync Complete"
    assert env.pending_intents() == []
