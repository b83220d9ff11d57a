"""The watermark never runs ahead of the run (issue 13, item 5).

A source record dated in the future (``updatedDate`` 2999-...) is synced like any other, but the
stored watermark is clamped to the run's start minus a safety overlap: a later change to any
other record is still read and synced.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime

import httpx

from engine.run.sync.connect import close_endpoints, open_endpoints
from engine.run.sync.project import load_project
from engine.run.sync.run import run_sync
from tests.sync.conftest import ZUORA_MAPPING, EnvFactory, zuora_account


def _watermark(env_state: object) -> datetime:
    conn = sqlite3.connect(f"file:{env_state}?mode=ro", uri=True)
    try:
        (value,) = conn.execute(
            "SELECT value FROM watermarks WHERE mapping = ?", (ZUORA_MAPPING,)
        ).fetchone()
    finally:
        conn.close()
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_a_future_dated_record_syncs_and_later_changes_are_still_read(
    make_env: EnvFactory,
) -> None:
    future = zuora_account(1, updated="2999-01-01T00:00:00.000Z")
    other = zuora_account(2)
    env = make_env(accounts=[future, other])

    result, report = env.sync()

    assert result.code == 0, result.out
    assert report["totals"]["created"] == 2  # the future-dated record itself syncs
    assert env.customer_for(future["id"])["companyName"] == "Company 1 Ltd"
    assert _watermark(env.state) <= datetime.fromisoformat(
        report["started_at"].replace("Z", "+00:00")
    )
    assert _watermark(env.state) < datetime(2100, 1, 1, tzinfo=UTC)

    env.zuora_update_account(other["id"], {"name": "Changed Later Ltd"})
    result, report = env.sync()

    assert result.code == 0, result.out
    assert env.customer_for(other["id"])["companyName"] == "Changed Later Ltd"
    assert report["totals"]["updated"] == 1
    assert report["totals"]["created"] == 0  # nothing written twice


def test_a_change_made_during_the_run_to_a_record_it_synced_is_left_to_the_next_run(
    make_env: EnvFactory,
) -> None:
    """A record the run has synced and reads again, changed since the run started (most often
    by the run's own write-back, which moves it to the listing's end), is not decided again in
    that run: the stored watermark stays before the run's start, so the next run reads it and
    syncs the change."""
    accounts = [zuora_account(n) for n in range(1, 13)]
    first = accounts[0]["id"]
    env = make_env(accounts=accounts)
    options = 'client_secret: "${env:ZUORA_CLIENT_SECRET}"'
    text = env.connections.read_text()
    assert options in text
    env.connections.write_text(text.replace(options, options + "\n      page_size: 4"))
    # every page of the listing is slow: pages are still being read after the first is synced
    rule = {
        "kind": "slow",
        "method": "GET",
        "path": "/object-query/accounts*",
        "delay": 1.0,
        "times": None,
    }
    answer = httpx.post(env.zuora.base_url + "/__ferry/faults", json=rule)
    assert answer.status_code in (200, 201), answer.text
    renamed: list[str] = []
    endpoints = open_endpoints(env.connections)

    def rename_once_synced() -> None:  # in Zuora, during the run, once its customer exists
        deadline = time.monotonic() + 30
        while first not in env.customers_by_zuora_id() and time.monotonic() < deadline:
            time.sleep(0.02)
        endpoints["zuora"].update("account", first, {"name": "Renamed Ltd"})
        renamed.append(first)

    renaming = threading.Thread(target=rename_once_synced)
    renaming.start()
    try:
        report = run_sync(load_project([env.specs]), endpoints, env.state)
    finally:
        renaming.join(30)
        close_endpoints(endpoints)

    assert report.totals()["created"] == len(accounts) and renamed == [first]
    assert env.customer_for(first)["companyName"] == "Company 1 Ltd"  # not in this run
    assert _watermark(env.state) < datetime.fromisoformat(report.started_at.replace("Z", "+00:00"))
    second, again = env.sync()
    assert second.code == 0, second.out
    assert again["totals"]["updated"] == 1
    assert env.customer_for(first)["companyName"] == "Renamed Ltd"
