"""How many NetSuite requests a customer sync makes, counted by the emulator (``/__ferry/stats``).

An upsert answers ``204`` with the internal id in ``Location``: a created customer costs one
write, and its confirmation (externalId, the number NetSuite kept) comes from one SuiteQL query
per batch of up to 200 records, never a GET per record.
"""

from __future__ import annotations

import math

import httpx

from engine.emulators.faults import STATS_PATH
from tests.sync.conftest import EnvFactory, zuora_account

ACCOUNTS = 45
CONFIRM_BATCH = 200  # ids per SuiteQL confirmation query (the driver's IN chunk)


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
    # SuiteQL: the natural-key prefetch of the one source page, then the confirmations
    assert netsuite.get("POST", 0) <= 1 + math.ceil(created / CONFIRM_BATCH)
    # the confirmation read what NetSuite holds: every account points at its own customer
    for account in accounts:
        customer = env.customer_for(account["id"])
        assert customer["externalId"] == f"zuora-account-{account['id']}"
        assert env.account(account["id"])["IntegrationId__NS"] == customer["id"]
