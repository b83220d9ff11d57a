"""Crash test: ``ferry sync`` is SIGKILLed at random points, then allowed to finish.

The emulators run in processes of their own (``ferry emulate``) so they, and what was written to
them, survive every kill. Afterwards every eligible Zuora account must have exactly one NetSuite
customer, the crosswalk must match NetSuite exactly, tracking fields must be written back, edits
made between crashes must have arrived, and one more sync must write nothing.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import FERRY
from tests.emulated import (
    copy_specs,
    credentials_env,
    netsuite_client,
    write_connections,
    zuora_client,
)
from tests.sync.conftest import (
    SPECS,
    ZUORA_MAPPING,
    write_netsuite_seed,
    write_zuora_seed,
    zuora_account,
)

ACCOUNTS = 200
KILLS = 10
SEED = 20240301
_DONE: subprocess.CompletedProcess[str] = subprocess.CompletedProcess([], 0)


def _eligible(account: dict[str, Any]) -> bool:
    return account["status"] == "Active" and account["SynctoNetSuite__NS"] != "No"


def _accounts() -> list[dict[str, Any]]:
    out = []
    for n in range(1, ACCOUNTS + 1):
        out.append(
            zuora_account(
                n,
                person=n % 3 == 0,
                first=f"First{n}",
                last=f"Last{n}",
                currency=("USD", "GBP", "EUR", "CAD")[n % 4],
                status="Canceled" if n % 29 == 0 else "Active",
                sync_to_netsuite="No" if n % 17 == 0 else ("Yes" if n % 2 else None),
                updated=f"2024-03-01T{8 + n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
            )
        )
    return out


class Emulators:
    """Both emulators in child processes, started with ``ferry emulate --port 0``."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.procs: list[subprocess.Popen[str]] = []
        self.env = env
        self.root = root
        self.urls: dict[str, str] = {}

    def start(self, system: str, data: Path) -> str:
        proc = subprocess.Popen(
            [*FERRY, "emulate", system, "--port", "0", "--data", str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=self.env,
            cwd=self.root,
        )
        self.procs.append(proc)
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, f"the {system} emulator did not announce itself"
        line = proc.stdout.readline()
        assert f"{system} emulator ready at http://" in line, line
        self.urls[system] = line.rsplit(" ", 1)[-1].strip()
        return self.urls[system]

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def emulators(tmp_path: Path) -> Iterator[Emulators]:
    env = {**os.environ, **credentials_env()}
    running = Emulators(tmp_path, env)
    try:
        yield running
    finally:
        running.stop()


def _zuora_accounts(client: httpx.Client) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"pageSize": 50, "sort[]": "id.ASC", "includeNullFields": "true"}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/object-query/accounts", params=params).json()
        out.update((row["id"], row) for row in body["data"])
        cursor = body.get("nextPage")
        if not cursor:
            return out


def _netsuite_customers(client: httpx.Client) -> list[dict[str, Any]]:
    """Every customer, read in full (GET each id found by SuiteQL)."""
    answer = client.post(
        "/query/v1/suiteql",
        params={"limit": 1000},
        json={"q": "SELECT id FROM customer ORDER BY id"},
        headers={"Prefer": "transient"},
    )
    assert answer.status_code == 200, answer.text
    ids = [row["id"] for row in answer.json()["items"]]

    def get(record_id: str) -> dict[str, Any]:
        reply = client.get(f"/record/v1/customer/{record_id}")
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    with ThreadPoolExecutor(3) as pool:
        return list(pool.map(get, ids))


def _crosswalk(state: Path) -> dict[str, str]:
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        rows = conn.execute(
            "SELECT source_id, destination_id FROM crosswalk WHERE mapping = ?", (ZUORA_MAPPING,)
        )
        return {r[0]: r[1] for r in rows}
    finally:
        conn.close()


def _last_run_id(state: Path) -> int:
    if not state.exists():
        return 0
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT max(id) FROM runs").fetchone()
    except sqlite3.OperationalError:  # the file exists, its tables do not yet
        return 0
    finally:
        conn.close()
    return int(row[0] or 0)


def _run_status(state: Path, run_id: int) -> str | None:
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT status FROM runs WHERE id = ?", (run_id,)).fetchone()
    finally:
        conn.close()
    return None if row is None else str(row[0])


def _pending_intents(state: Path) -> int:
    conn = sqlite3.connect(f"file:{state}?mode=ro", uri=True)
    try:
        return int(
            conn.execute("SELECT count(*) FROM intents WHERE status = 'pending'").fetchone()[0]
        )
    finally:
        conn.close()


@pytest.mark.slow
def test_sync_survives_random_sigkills(tmp_path: Path, emulators: Emulators) -> None:
    accounts = _accounts()
    zuora_url = emulators.start("zuora", write_zuora_seed(tmp_path / "seed-zuora", accounts))
    ns_url = emulators.start("netsuite", write_netsuite_seed(tmp_path / "seed-netsuite", [], None))
    # Slow NetSuite writes a little, so that most kills land while records are being written.
    httpx.post(
        ns_url + "/__ferry/faults",
        json={
            "kind": "slow",
            "method": "PUT",
            "path": "/services/rest/record/*",
            "delay": 0.1,
            "times": None,
        },
    ).raise_for_status()
    specs = copy_specs(tmp_path / "specs", SPECS)
    connections = write_connections(tmp_path / "connections.yaml", zuora_url, ns_url)
    state = tmp_path / "state.sqlite"
    sync = [
        *FERRY,
        "sync",
        str(specs),
        "--connections",
        str(connections),
        "--state",
        str(state),
        "--no-progress",
        "--format",
        "json",
    ]

    def run(kill_after: float | None) -> subprocess.CompletedProcess[str] | None:
        """Run ``ferry sync``; with ``kill_after``, SIGKILL it that many seconds after its run
        has started (its row is in the state's runs table): None when it was killed."""
        started = _last_run_id(state)
        proc = subprocess.Popen(
            sync,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=emulators.env,
            cwd=tmp_path,
        )
        if kill_after is None:
            out, err = proc.communicate(timeout=180)
            return subprocess.CompletedProcess(sync, proc.returncode, out, err)
        deadline = time.monotonic() + 60
        while _last_run_id(state) == started and proc.poll() is None:
            assert time.monotonic() < deadline, "the sync never started its run"
            time.sleep(0.01)
        try:
            proc.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            # killed mid-run only if its run was still unfinished (not while printing)
            return None if _run_status(state, started + 1) == "running" else _DONE
        out, err = proc.communicate()
        return subprocess.CompletedProcess(sync, proc.returncode, out, err)

    rng = random.Random(SEED)
    zuora = zuora_client(zuora_url)
    renamed: dict[str, str] = {}
    killed = 0
    for attempt in range(KILLS):
        if attempt == KILLS // 2:
            # edits made in the master between crashes must arrive too
            for account in rng.sample([a for a in accounts if _eligible(a)], 10):
                renamed[account["id"]] = f"Renamed {account['accountNumber']} Ltd"
                reply = zuora.put(
                    f"/v1/accounts/{account['id']}", json={"name": renamed[account["id"]]}
                )
                assert reply.json()["success"], reply.text
        if run(rng.uniform(0.0, 1.2)) is None:
            killed += 1
    assert killed >= KILLS // 2, f"only {killed} of {KILLS} syncs were still running when killed"

    final = run(None)
    assert final is not None
    assert final.returncode == 0, final.stdout[:1500] + final.stderr[-1500:]
    final_report = json.loads(final.stdout)
    assert final_report["status"] == "succeeded"

    netsuite = netsuite_client(ns_url)
    customers = _netsuite_customers(netsuite)
    by_zuora_id = Counter(c.get("custentity_zuora_id") for c in customers)
    by_external_id = Counter(c.get("externalId") for c in customers)
    eligible = {a["id"]: a for a in accounts if _eligible(a)}

    assert set(by_zuora_id) == set(eligible), "customers missing or for ineligible accounts"
    duplicates = {k: n for k, n in by_zuora_id.items() if n > 1}
    assert duplicates == {}, f"duplicate customers: {duplicates}"
    assert set(by_external_id.values()) == {1}

    crosswalk = _crosswalk(state)
    assert crosswalk == {c["custentity_zuora_id"]: c["id"] for c in customers}
    assert _pending_intents(state) == 0

    now_accounts = _zuora_accounts(zuora)
    names = {c["custentity_zuora_id"]: c["companyName"] for c in customers}
    for account_id, account in eligible.items():
        tracked = now_accounts[account_id]
        assert tracked["IntegrationId__NS"] == crosswalk[account_id]
        assert tracked["IntegrationStatus__NS"] == "Sync Complete"
        expected = renamed.get(account_id) or account["name"]
        assert names[account_id] == expected
    for account_id in set(now_accounts) - set(eligible):
        assert now_accounts[account_id].get("IntegrationId__NS") is None

    # one more run writes nothing
    before = (
        {c["id"]: c["lastModifiedDate"] for c in customers},
        {k: a["updatedDate"] for k, a in now_accounts.items()},
    )
    again = run(None)
    assert again is not None and again.returncode == 0, again.stderr
    totals = json.loads(again.stdout)["totals"]
    assert totals["created"] + totals["updated"] + totals["linked"] == 0, totals
    after = (
        {c["id"]: c["lastModifiedDate"] for c in _netsuite_customers(netsuite)},
        {k: a["updatedDate"] for k, a in _zuora_accounts(zuora).items()},
    )
    assert after == before
    runs = subprocess.run(
        [*FERRY, "runs", "--state", str(state), "--format", "json", "--limit", "100"],
        capture_output=True,
        text=True,
        env=emulators.env,
        cwd=tmp_path,
        check=True,
    )
    statuses = Counter(r["status"] for r in json.loads(runs.stdout))
    assert statuses["running"] == 0
    assert statuses["crashed"] == killed
    zuora.close()
    netsuite.close()
