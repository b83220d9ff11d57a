"""Sync benchmark: N Zuora accounts through both emulators to NetSuite, then a second run after
1 % of the accounts change.

Run with `make bench-sync` (or `python benchmarks/sync.py --accounts 10000`). The emulators run
as `ferry emulate` subprocesses, so the emulated services do not share the sync's GIL. Prints,
for the first run, records/s against the rate NetSuite's declared concurrency limit allows (the
limit divided by the measured time of one request, divided by the requests a record needs), and,
for the second run, its requests as a share of the first run's (target: at most 2 %). Requests
are counted by the emulators themselves (`/__ferry/stats`). Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from engine.emulators import stack, zuora_seed
from engine.emulators.launch import TEST_ZUORA
from engine.run.sync.connect import close_endpoints, open_endpoints
from engine.run.sync.project import load_project
from engine.run.sync.run import run_sync

ROOT = Path(__file__).resolve().parent.parent
CUSTOMER = ROOT / "mappings" / "zuora-netsuite" / "customer.yaml"


def request_latency(base_url: str, rounds: int = 200) -> float:
    """Median seconds of one cheap request to the emulator (the service time unit)."""
    times = []
    with httpx.Client(base_url=base_url) as client:
        for _ in range(rounds):
            start = time.perf_counter()
            client.get("/__ferry/faults")
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def touch_accounts(zuora_url: str, ids: list[str]) -> None:
    """Change 1 % of the accounts in Zuora (a new payment term), as a user would."""
    form = {
        "client_id": TEST_ZUORA.client_id,
        "client_secret": TEST_ZUORA.client_secret,
        "grant_type": "client_credentials",
    }
    with httpx.Client(base_url=zuora_url) as client:
        token = client.post("/oauth/token", data=form).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        for account_id in ids:
            client.put(
                f"/v1/accounts/{account_id}", json={"paymentTerm": "Net 60"}, headers=headers
            ).raise_for_status()


def emulator_cpu(emu: stack.EmulatorStack) -> float:
    """CPU seconds both emulator processes have used so far."""
    servers = (emu.zuora, emu.netsuite)
    return sum(s.cpu_seconds() for s in servers if isinstance(s, stack.EmulatorProcess))


def timed_run(
    emu: stack.EmulatorStack, project: Any, state: Path
) -> tuple[float, dict[str, float], dict[str, int], Any]:
    """One sync: wall time, CPU time of Ferry and of the emulators, requests each emulator
    served, and the report."""
    emu.requests()
    endpoints = open_endpoints(emu.connections)
    cpu, client = emulator_cpu(emu), time.process_time()
    start = time.perf_counter()
    try:
        report = run_sync(project, endpoints, state)
    finally:
        close_endpoints(endpoints)
    took = time.perf_counter() - start
    used = {"emulators": emulator_cpu(emu) - cpu, "ferry": time.process_time() - client}
    return took, used, emu.requests(), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "zuora").mkdir()
        accounts = zuora_seed.generate(n_accounts=args.accounts)["accounts"]
        (work / "zuora" / "accounts.json").write_text(json.dumps(accounts))
        with stack.running(
            work, zuora_data=work / "zuora", processes=True, concurrency=args.concurrency
        ) as emu:
            latency = request_latency(emu.netsuite.base_url)
            project = load_project([CUSTOMER])
            state = work / "state.sqlite"
            took1, cpu1, first, report1 = timed_run(emu, project, state)
            active = [
                a["id"]
                for a in accounts
                if a.get("status") == "Active" and a.get("SynctoNetSuite__NS") != "No"
            ]
            changed = random.Random(1).sample(active, max(1, len(active) // 100))
            touch_accounts(emu.zuora.base_url, changed)
            took2, _cpu2, second, report2 = timed_run(emu, project, state)
    created = report1.totals()["created"]
    first_total, second_total = sum(first.values()), sum(second.values())
    per_record = first["netsuite"] / max(1, created)
    allowed = args.concurrency / latency / per_record
    result = {
        "accounts": args.accounts,
        "created": created,
        "first_run_s": round(took1, 2),
        "records_per_s": round(created / took1, 1),
        "netsuite_request_latency_ms": round(latency * 1000, 2),
        "netsuite_requests_per_record": round(per_record, 2),
        "rate_allowed_by_concurrency_limit": round(allowed, 1),
        "share_of_allowed_rate": round(created / took1 / allowed, 3),
        "cpu_s": {k: round(v, 2) for k, v in cpu1.items()},
        "ferry_cpu_ms_per_record": round(cpu1["ferry"] / max(1, created) * 1000, 2),
        "ferry_cpu_ms_per_request": round(cpu1["ferry"] / first_total * 1000, 2),
        "first_run_requests": {**first, "total": first_total},
        "changed_accounts": len(changed),
        "second_run": {
            "updated": report2.totals()["updated"],
            "seconds": round(took2, 2),
            "requests": {**second, "total": second_total},
        },
        "second_run_request_share": round(second_total / first_total, 4),
    }
    print(
        f"first run: {created:,} customers created in {took1:.1f} s = "
        f"{result['records_per_s']:,} records/s"
    )
    print(
        f"  NetSuite: {per_record:.2f} requests per record, {latency * 1000:.2f} ms per "
        f"request; concurrency limit {args.concurrency} allows {allowed:,.0f} records/s "
        f"-> {result['share_of_allowed_rate']:.0%} of it"
    )
    print(f"  requests: Zuora {first['zuora']:,}, NetSuite {first['netsuite']:,}")
    print(
        f"  CPU: Ferry {cpu1['ferry']:.2f} s ({result['ferry_cpu_ms_per_record']} ms per "
        f"record, {result['ferry_cpu_ms_per_request']} ms per request: HTTP, OAuth signing, "
        f"state writes), emulators {cpu1['emulators']:.2f} s, over {took1:.1f} s of wall time"
    )
    print(
        f"second run after {len(changed)} accounts changed: {report2.totals()['updated']} "
        f"updated, {second_total:,} requests = {result['second_run_request_share']:.2%} of "
        "the first run's (target <= 2 %)"
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
